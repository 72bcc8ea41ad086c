"""experta 1.9.4 pins frozendict 1.2, broken on Python >= 3.10; our .pth shim must make it import."""

import subprocess
import sys

import pytest


def _editable_install() -> bool:
    """True when denialkb is imported from the source tree (pip install -e)."""
    from pathlib import Path

    import denialkb.engine

    return Path(denialkb.engine.__file__).resolve().parent == Path(__file__).resolve().parent.parent / "engine"


@pytest.mark.skipif(_editable_install(), reason="the .pth shim is installed by `pip install .`, not by editable installs")
def test_bare_import_experta_works_in_installed_environment():
    r = subprocess.run([sys.executable, "-c", "import experta, frozendict; print(experta.KnowledgeEngine.__name__)"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "KnowledgeEngine"


def test_engine_fires_a_rule():
    from denialkb.engine._experta import Fact, KnowledgeEngine, Rule

    fired = []

    class E(KnowledgeEngine):
        @Rule(Fact(code="J9306"))
        def r(self):
            fired.append("J9306")

    e = E()
    e.reset()
    e.declare(Fact(code="J9306"), Fact(code="J9308"))
    e.run()
    assert fired == ["J9306"]


def test_only_one_module_imports_experta():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    users = sorted(p.relative_to(root).as_posix() for d in ("engine", "visualize") for p in (root / d).rglob("*.py")
                   if any(line.strip().startswith(("import experta", "from experta"))
                          for line in p.read_text().splitlines()))
    assert users == ["engine/_experta.py"]
