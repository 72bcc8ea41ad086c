import os
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


def run_cli(*args, env=None, input=None):
    """Run the installed CLI in a subprocess; returns CompletedProcess (text)."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "denialkb.engine.cli", *map(str, args)],
                          capture_output=True, text=True, env=e, input=input, cwd=ROOT)


@pytest.fixture
def cli():
    return run_cli
