"""Every bundled example: the exact outcome and denials, and its full decision record (golden JSON).

Regenerate the golden records after a reviewed change with:
    python -m tests.test_examples
"""

import json
from pathlib import Path

import pytest

from .conftest import EXAMPLES, KB

GOLDEN = Path(__file__).parent / "golden"

EXPECTED = {
    "pertuzumab-billed-as-j9308": ("denied", ["CODE-DRUG-NDC-MISMATCH@1", "RAMUCIRUMAB-DX-NOT-SUPPORTING@1", "RAMUCIRUMAB-SITE-NOT-INDICATED@1", "CODE-DRUG-DOCUMENTATION-MISMATCH@1"]),
    "pertuzumab-clean-commercial": ("clean", []),
    "pertuzumab-clean-medicare": ("clean", []),
    "pertuzumab-commercial-auth-expired": ("denied", ["PRIOR-AUTH-NOT-IN-FORCE@1"]),
    "pertuzumab-commercial-auth-units-used": ("denied", ["PRIOR-AUTH-UNITS-EXCEEDED@1"]),
    "pertuzumab-commercial-no-prior-auth": ("denied", ["PRIOR-AUTH-ABSENT@1"]),
    "pertuzumab-her2-equivocal": ("denied", ["PERTUZUMAB-HER2-EQUIVOCAL@1", "PERTUZUMAB-HER2-EQUIVOCAL@2"]),
    "pertuzumab-her2-low": ("denied", ["PERTUZUMAB-HER2-NEGATIVE@1", "PERTUZUMAB-HER2-NEGATIVE@2"]),
    "pertuzumab-her2-missing": ("denied", ["PERTUZUMAB-HER2-NOT-DOCUMENTED@1", "PERTUZUMAB-HER2-NOT-DOCUMENTED@2"]),
    "pertuzumab-jw-and-jz": ("denied", ["JW-JZ-SAME-LINE@1", "JW-WITHOUT-POSSIBLE-WASTE@1", "JW-UNITS-NOT-DOCUMENTED-WASTE@1"]),
    "pertuzumab-jw-whole-vial": ("denied", ["JW-WITHOUT-POSSIBLE-WASTE@10"]),
    "pertuzumab-jz-missing-medicare": ("denied", ["JZ-MISSING-NO-WASTE@1"]),
    "pertuzumab-lot-number-missing": ("clean", []),
    "pertuzumab-no-jz-before-july-2023": ("clean", []),
    "pertuzumab-record-documents-other-drug": ("denied", ["CODE-DRUG-DOCUMENTATION-MISMATCH@1"]),
    "pertuzumab-timely-filing-medicare": ("denied", ["TIMELY-FILING-EXPIRED@1", "TIMELY-FILING-EXPIRED@2", "TIMELY-FILING-EXPIRED@3", "TIMELY-FILING-EXPIRED@4", "TIMELY-FILING-EXPIRED@5", "TIMELY-FILING-EXPIRED@6", "TIMELY-FILING-EXPIRED@7", "TIMELY-FILING-EXPIRED@8", "TIMELY-FILING-EXPIRED@9"]),
    "pertuzumab-units-exceed-dose": ("denied", ["UNITS-EXCEED-DOCUMENTED-DOSE@1"]),
    "phesgo-clean-medicare": ("clean", []),
    "phesgo-j9316-before-2021": ("denied", ["CODE-INVALID-ON-DOS@1"]),
    "phesgo-several-denials-commercial": ("denied", ["HER2-DRUG-DX-HISTORY-ONLY@1", "PRIOR-AUTH-ABSENT@1", "PHESGO-WITH-IV-PERTUZUMAB-OR-TRASTUZUMAB@1", "PERTUZUMAB-EBC-18-CYCLE-CAP@1", "HER2-DRUG-DX-HISTORY-ONLY@3", "TRASTUZUMAB-EBC-BEYOND-ONE-YEAR@3"]),
    "ramucirumab-clean-medicare": ("clean", []),
    "ramucirumab-hcc-several-denials": ("denied", ["RAMUCIRUMAB-HCC-AFP-BELOW-400@1", "JW-UNITS-EXCEED-VIAL-WASTE@2", "RAMUCIRUMAB-HCC-AFP-BELOW-400@2"]),
    "ramucirumab-nsclc-dose-above-label-commercial": ("denied", ["RAMUCIRUMAB-DOSE-ABOVE-10-MG-PER-KG@1"]),
    "ramucirumab-waste-not-documented": ("denied", ["DOC-WASTE-NOT-DOCUMENTED@2"]),
    "trastuzumab-biosimilar-clean-medicare": ("clean", []),
    "trastuzumab-herceptin-step-therapy-commercial": ("denied", ["STEP-THERAPY-NOT-MET@2"]),
    "trastuzumab-several-denials": ("denied", ["CODE-DRUG-NDC-MISMATCH@2", "HER2-DRUG-DX-HISTORY-ONLY@2", "CODE-DRUG-NDC-MISMATCH@10", "HER2-DRUG-DX-HISTORY-ONLY@10"]),
    "trazimera-jw-on-multi-dose-vial": ("denied", ["JW-ON-MULTI-DOSE-VIAL@10"]),
    "visit-hospital-outpatient-0131-medicare": ("clean", []),
    "visit-pertuzumab-trazimera-docetaxel-commercial": ("clean", []),
    "visit-pertuzumab-trazimera-docetaxel-medicare": ("clean", []),
    "visit-phesgo-commercial": ("clean", []),
    "visit-ramucirumab-paclitaxel-medicare": ("clean", []),
}

FILES = sorted(EXAMPLES.glob("*.yaml"))


def decide(path):
    from denialkb.engine.runtime import Decider

    if not hasattr(decide, "d"):
        decide.d = Decider(KB)
    return decide.d.check_file(path)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_example_outcome_and_denials(path):
    assert path.stem in EXPECTED, f"{path.name}: add its expected outcome to EXPECTED"
    rec = decide(path)
    outcome, denials = EXPECTED[path.stem]
    assert rec["outcome"] == outcome
    assert [f"{d['id']}@{d['line']}" for d in rec["denials"]] == denials


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_example_matches_golden_record(path):
    golden = GOLDEN / f"{path.stem}.json"
    assert golden.exists(), f"no golden record {golden.name}: run python -m tests.test_examples after review"
    rec = decide(path)
    rec["kb_version"] = "sha256:(kb)"  # the KB content changes with every edit; the decision must not
    assert json.dumps(rec, indent=2, ensure_ascii=False) + "\n" == golden.read_text()


if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    for p in FILES:
        rec = decide(p)
        rec["kb_version"] = "sha256:(kb)"
        (GOLDEN / f"{p.stem}.json").write_text(json.dumps(rec, indent=2, ensure_ascii=False) + "\n")
        print("wrote", p.stem)
