"""Generate the compiled validators of the claim and KB schemas (engine/validators/*.py).

    python scripts/compile_schemas.py           # write them
    python scripts/compile_schemas.py --check   # exit 1 when one does not match its schema

Run it after editing engine/schemas/claim.schema.json or kb.schema.json (see engine/fastschema.py;
a stale module only costs start-up time: the schema is then compiled at run time).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from denialkb.engine import fastschema

OUT = Path(__file__).resolve().parent.parent / "engine" / "validators"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail when a generated module is out of date")
    args = ap.parse_args(argv)
    stale = []
    for name in fastschema.SCHEMAS:
        path = OUT / f"{name}.py"
        code = fastschema.generate_code(name)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != code:
                stale.append(str(path))
        else:
            path.write_text(code, encoding="utf-8")
            print(f"wrote {path} ({len(code)} characters)")
    if stale:
        print("out of date (run python scripts/compile_schemas.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
