"""The same claim read as a claim document, an 837P, an 837I or a FHIR Bundle gets the same decision."""

import json
import sys

import pytest

from .conftest import ROOT

D = ROOT / "tests" / "data" / "formats"
X12 = pytest.mark.skipif(sys.version_info < (3, 11), reason="pyx12 4.x (X12 support) needs Python 3.11+")


def decide(cli, *args):
    r = cli("check", "--format", "json", *args)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def summary(rec):
    return rec["outcome"], [(d["id"], d["line"]) for d in rec["denials"]], rec["missing_information"]


@X12
def test_837p_with_clinical_facts_becomes_the_hand_written_document(cli):
    r = cli("convert", "--to", "json", D / "pertuzumab_837p.txt", "--clinical", D / "pertuzumab_clinical_shared.yaml")
    assert r.returncode == 0, r.stderr
    from denialkb.engine.claim import load_claim

    from .formats_v1view import v1_view

    expected = load_claim(D / "pertuzumab_equivalent.yaml").data
    assert v1_view(json.loads(r.stdout), expected) == expected


@X12
def test_same_decision_from_yaml_837p_837i_and_fhir(cli):
    yaml_rec = decide(cli, D / "pertuzumab_equivalent.yaml")
    p = decide(cli, D / "pertuzumab_837p.txt", "--clinical", D / "pertuzumab_clinical_shared.yaml")
    i = decide(cli, D / "pertuzumab_837i.txt", "--clinical", D / "pertuzumab_clinical_shared.yaml")
    f = decide(cli, D / "pertuzumab_bundle.json", "--payer", "medicare", "--clinical", D / "pertuzumab_bundle_complement.yaml")
    assert p == yaml_rec  # same claim id, same document: byte-identical record
    assert summary(yaml_rec) == ("clean", [], [])
    assert summary(i) == summary(f) == summary(yaml_rec)
    assert i["claim_id"] == "PTZ-2025-0001I"


@X12
def test_same_denials_when_the_clinical_facts_lack_her2(cli, tmp_path):
    import yaml

    clinical = yaml.safe_load((D / "pertuzumab_clinical_shared.yaml").read_text())
    del clinical["clinical"]["biomarkers"]
    (tmp_path / "clinical.yaml").write_text(yaml.safe_dump(clinical))
    doc = yaml.safe_load((D / "pertuzumab_equivalent.yaml").read_text())
    del doc["clinical"]["biomarkers"]
    (tmp_path / "claim.yaml").write_text(yaml.safe_dump(doc))
    yaml_rec = decide(cli, tmp_path / "claim.yaml")
    p = decide(cli, D / "pertuzumab_837p.txt", "--clinical", tmp_path / "clinical.yaml")
    i = decide(cli, D / "pertuzumab_837i.txt", "--clinical", tmp_path / "clinical.yaml")
    assert summary(yaml_rec)[:2] == ("denied", [("PERTUZUMAB-HER2-NOT-DOCUMENTED", 1)])
    assert p == yaml_rec
    assert summary(i) == summary(yaml_rec)
