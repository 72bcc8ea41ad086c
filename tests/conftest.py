import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def decider():
    from denialkb.engine.runtime import Decider

    return Decider(KB)


def run_cli(*args, env=None, input=None, cwd=ROOT):
    """Run the installed CLI in a subprocess (in ``cwd``, the repository root by default, so
    ``./kb`` is the KB); returns CompletedProcess (text). ``DENIALKB_KB`` is not inherited."""
    e = {k: v for k, v in os.environ.items() if k != "DENIALKB_KB"}
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "denialkb.engine.cli", *map(str, args)],
                          capture_output=True, text=True, env=e, input=input, cwd=cwd)


@pytest.fixture
def cli():
    return run_cli


KB_HEADER = re.compile(r"kb: \S.* \(version (sha256:[0-9a-f]{12}|unreadable), from [^)]+\)")


def body(stdout: str) -> str:
    """The text output of a command after its first line, which must name the KB (issue 11 item 8)."""
    header, _, rest = stdout.partition("\n")
    assert KB_HEADER.fullmatch(header), f"no KB header: {header!r}"
    return rest
