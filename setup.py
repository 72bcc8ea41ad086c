"""Build hook: install a one-line .pth shim so that experta imports on Python >= 3.10.

experta 1.9.4 (its only release) pins frozendict==1.2, whose module does
``collections.Mapping``; that alias was removed in Python 3.10 (experta issue #34,
fixed on a branch that was never released). pip cannot override the pin, so we keep
the pinned versions and restore the alias at interpreter start-up, which makes a bare
``import experta`` work in the installed environment. The same alias is also set in
``denialkb.engine._experta`` (the only module of ours that imports experta), so the
engine works even where the .pth file is not processed.
"""

import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH_NAME = "denialkb-experta-compat.pth"
PTH_LINE = (
    "import collections, collections.abc; "
    "collections.Mapping = getattr(collections, 'Mapping', collections.abc.Mapping)\n"
)


class BuildPyWithPth(build_py):
    """Add the .pth shim to the root of the build, next to the packages."""

    def run(self):
        super().run()
        target = os.path.join(self.build_lib, PTH_NAME)
        self.mkpath(self.build_lib)
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(PTH_LINE)

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + [os.path.join(self.build_lib, PTH_NAME)]


setup(cmdclass={"build_py": BuildPyWithPth})
