"""Writes kb_agreed.yaml: for each scenario where denialkb's decision agrees with the payer decision in expected.yaml,
the exact outcome and denials (rule id, line, group, CARC, RARC) denialkb gives, so tests/test_unseen.py pins them.
Scenarios with a `finding` in expected.yaml are not pinned (they are xfail until fixed).
Run after build.py, and only after checking by hand that each agreement still holds:
python tests/data/unseen/pin.py"""

from __future__ import annotations

from pathlib import Path

import yaml

from denialkb.engine.claim import load_claim
from denialkb.engine.kb import load_kb
from denialkb.engine.runtime import Decider

HERE = Path(__file__).parent


def main():
    expected = yaml.safe_load((HERE / "expected.yaml").read_text())
    decider = Decider(load_kb(HERE.parents[2] / "kb"))
    out = {}
    for name, exp in sorted(expected.items()):
        if "finding" in exp:
            continue
        rec = decider.check_document(load_claim(HERE / f"{name}.yaml"))
        out[name] = {"outcome": rec["outcome"],
                     "denials": [[d["id"], d["line"], d["group"], d["carc"], list(d["rarc"])] for d in rec["denials"]]}
    (HERE / "kb_agreed.yaml").write_text(
        "# denialkb's decisions on the scenarios where it agrees with the payer (expected.yaml); written by pin.py\n"
        + yaml.safe_dump(out, sort_keys=True, default_flow_style=None, width=130))


if __name__ == "__main__":
    main()
