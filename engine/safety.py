"""Output safety: text that reaches a terminal, and output paths that must not clobber inputs.

- :func:`terminal_safe` shows control characters (ANSI escape sequences, carriage returns,
  NUL, C1 codes), bidirectional overrides and lone surrogates as visible ``\\x1b``-style
  escapes, so a claim id, a file name or a converter message cannot clear the screen or
  print a fake "CLEAN" on a terminal (reliability-review.md S3). Tabs and line breaks stay.
- :func:`refuse_overwrite` refuses an ``--out`` that is one of the command's inputs (S5).

>>> terminal_safe("CLM-1\\x1b[2J\\rX")
'CLM-1\\\\x1b[2J\\\\rX'
"""

from __future__ import annotations

import os
from pathlib import Path

from denialkb.engine.errors import Problem, UsageError

# terminal_safe lives in a leaf module so that errors.py can use it without an import cycle
from denialkb.engine.terminal import terminal_safe

__all__ = ["terminal_safe", "refuse_overwrite"]


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def refuse_overwrite(outputs, inputs, option: str = "--out") -> None:
    """Raise :class:`UsageError` when an output path is one of the input files or folders.

    ``outputs`` and ``inputs`` are paths; an output that does not exist yet is compared by
    its resolved path. Nothing is written before this check.
    """
    ins = [Path(p) for p in inputs]
    for out in (Path(p) for p in outputs):
        for src in ins:
            if (src.exists() and out.exists() and _same(out, src)) or out.resolve() == src.resolve():
                kind = "folder" if src.is_dir() else "file"
                raise UsageError([Problem(
                    "usage_error", f"{option} {out} is the input {kind} {src}: it would be overwritten",
                    expected=f"an {option} path that is not one of the inputs")])
