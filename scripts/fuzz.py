#!/usr/bin/env python3
"""The long fuzz run: the properties of tests/test_fuzz.py with many more examples.

    .venv/bin/python scripts/fuzz.py                 # about 20,000 inputs (15-30 min on 2 cores)
    .venv/bin/python scripts/fuzz.py --scale 0.1     # a tenth of that
    .venv/bin/python scripts/fuzz.py --only claim_bytes,kb

Prints, per property, the inputs tried, the time and the findings (a finding is a crash, a
run over 10 s, a refusal without a location, or a semantics-preserving rewrite whose record
changed; hypothesis shrinks it to a minimal input, printed in full). Exit 1 when anything was
found. Seeded (hypothesis ``derandomize``): the same run finds the same things.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# inputs per property for --scale 1 (together a little over 20,000)
PLAN = {
    "claim_bytes": ("test_fuzz_claim_bytes", 8000),
    "claim_values": ("test_fuzz_claim_values", 8000),
    "semantics": ("test_fuzz_semantics_preserving_rewrites_give_identical_records", 1500),
    "fhir_bytes": ("test_fuzz_fhir_reader_bytes", 1500),
    "fhir_values": ("test_fuzz_fhir_reader_values", 1500),
    "x12": ("test_fuzz_x12_reader", 200),
    "kb": ("test_fuzz_kb_reader", 150),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every property's input count")
    ap.add_argument("--only", default="", help="comma-separated properties: " + ", ".join(PLAN))
    args = ap.parse_args(argv)

    import os

    only = [s for s in args.only.split(",") if s] or list(PLAN)
    os.environ["DENIALKB_FUZZ_COUNTS"] = ",".join(f"{PLAN[k][0]}={max(1, int(PLAN[k][1] * args.scale))}"
                                                  for k in only)
    from tests import fuzzlib as F
    from tests import test_fuzz as T

    counter = {"n": 0}
    real_outcome, real_kb = F.outcome, F.kb_outcome

    def counted(*a, **k):
        counter["n"] += 1
        return real_outcome(*a, **k)

    def counted_kb(*a, **k):
        counter["n"] += 1
        return real_kb(*a, **k)

    F.outcome, F.kb_outcome = counted, counted_kb
    total_inputs, total_time, findings = 0, 0.0, []
    print(f"{'property':<14} {'inputs':>8} {'seconds':>9}  result")
    for key in only:
        name, _ = PLAN[key]
        fn = getattr(T, name)
        skip = [m for m in getattr(fn, "pytestmark", []) if m.name == "skipif" and m.args and m.args[0]]
        if skip:
            print(f"{key:<14} {'-':>8} {'-':>9}  skipped: {skip[0].kwargs.get('reason', '')}")
            continue
        counter["n"] = 0
        t0 = time.perf_counter()
        try:
            fn()
            result = "nothing found"
        except Exception as e:  # a finding: hypothesis has shrunk it already
            first = (str(e).splitlines() or [""])[0]
            result = f"FINDING: {type(e).__name__}: {first[:200]}"
            findings.append((key, "".join(traceback.format_exception_only(type(e), e))))
        dt = time.perf_counter() - t0
        total_inputs += counter["n"]
        total_time += dt
        print(f"{key:<14} {counter['n']:>8} {dt:>9.1f}  {result}", flush=True)
    print(f"{'total':<14} {total_inputs:>8} {total_time:>9.1f}  {len(findings)} finding(s)")
    for key, text in findings:
        print(f"\n--- {key}\n{text}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
