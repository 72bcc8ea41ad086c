"""Regenerate records.json with the engine of b9d2698 (run from a checkout of that commit):

    python tests/data/v1_baseline/make_records.py tests/data/v1_baseline

Kept for the record; the committed records.json was produced this way and must not be redone
with a later engine.
"""
import copy
import hashlib
import json
import sys
from pathlib import Path

from denialkb.engine.cases import case_document
from denialkb.engine.claim import validate_claim
from denialkb.engine.runtime import Decider


def canonical(rec, needed_only=False):
    rec = copy.deepcopy(rec)
    rec["kb_version"] = "sha256:(kb)"
    if needed_only:  # which rules were left undecided, whatever the names of the missing inputs
        rec["missing_information"] = sorted({t for m in rec["missing_information"] for t in m["needed_by"]})
    return json.dumps(rec, indent=2, ensure_ascii=False, sort_keys=True)


def main(base):
    d = Decider(base / "kb")
    out = {}

    def put(key, rec):
        out[key] = {"sha256": hashlib.sha256(canonical(rec).encode()).hexdigest(),
                    "sha256_needed_by": hashlib.sha256(canonical(rec, True).encode()).hexdigest(),
                    "outcome": rec["outcome"],
                    "denials": [f"{x['id']}@{x['line']}" for x in rec["denials"]],
                    "missing": [m["fact"] for m in rec["missing_information"]]}

    for p in sorted((base / "examples").glob("*.yaml")):
        put("examples/" + p.name, d.check_file(p))
    for c in d.kb.cases:
        doc = validate_claim(case_document(c, d.kb.root), f"{c.file}#{c.id}")
        put(f"case:{c.id}", d.check_document(doc, c.raw.get("as_of")))
    (base / "records.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    return len(out)


if __name__ == "__main__":
    print(main(Path(sys.argv[1]).resolve()))
