"""Real third-party files, round 3 (tests/data/third_party, origin and licence in its README).

Da Vinci PAS prior-authorization requests and a PDex prior-authorization EOB are not claims
for services given: skipped with a warning, never decided (the PDex EOB was read as a paid
claim and decided CLEAN). A file whose every claim is skipped is an error for ``check``,
not a silent exit 0. Variants of files that cannot be copied here (an X12 file with a
Latin-1 byte, an interchange labelled with the pre-errata 5010 version) are derived in
memory from files that are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from denialkb.engine.cli import main
from denialkb.engine.formats.reader import read_file, sniff_file

THIRD = Path(__file__).parent / "data" / "third_party"
DATA = Path(__file__).parent / "data" / "formats"

PRIOR_AUTH = [
    ("pastk_pas_claim.json", "Claim"),  # bare PAS Claim (use preauthorization)
    ("pastk_conformant_pas_bundle_v110.json", "entry[0](Claim)"),  # PAS request Bundle
    ("pdex_ExplanationOfBenefit-PDexPriorAuth1.json", "ExplanationOfBenefit"),  # PDex prior-auth EOB
]


@pytest.mark.parametrize(("name", "where"), PRIOR_AUTH)
def test_prior_authorization_resources_are_skipped_not_decided(name, where):
    result = read_file(THIRD / name)
    assert (len(result.claims), len(result.rejections)) == (0, 0)
    assert [(w.code, w.place) for w in result.warnings] == [("fhir_claim_use_skipped", f"{where}.use")]
    assert "'preauthorization'" in result.warnings[0]
    assert result.skipped is not None and result.skipped.location == f"{where}.use"


def test_the_same_eob_with_use_claim_is_read():
    """Near miss: the skip is on Claim/EOB.use alone; the PDex EOB as a claim is converted."""
    eob = json.loads((THIRD / "pdex_ExplanationOfBenefit-PDexPriorAuth1.json").read_text())
    eob["use"] = "claim"
    from denialkb.engine.formats.fhir import read_fhir_result

    result = read_fhir_result(eob)
    (claim,) = result.claims
    assert claim.document["claim"]["id"] == "PA123412341234123412341234"
    assert not [w for w in result.warnings if w.code == "fhir_claim_use_skipped"]


@pytest.mark.parametrize("name", [n for n, _ in PRIOR_AUTH] + ["hl7_Claim-760150.json"])
def test_check_on_a_file_with_nothing_to_decide_exits_2_saying_why(name):
    res = CliRunner().invoke(main, ["check", str(THIRD / name)])
    assert res.exit_code == 2, res.output
    assert "fhir_unsupported" in res.output
    assert ("is not a claim" in res.output) != (name == "hl7_Claim-760150.json")  # pharmacy: its type
    assert "CLEAN" not in res.output


def test_mixed_bundle_skips_the_prior_authorization_and_decides_the_claim(tmp_path):
    pa = json.loads((THIRD / "pastk_pas_claim.json").read_text())
    claim = json.loads((THIRD / "hl7_Claim-MED-00050.json").read_text())
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": f"urn:uuid:0000000{i}-0000-4000-8000-000000000000", "resource": r}
                        for i, r in enumerate((pa, claim))]}
    f = tmp_path / "mixed.json"
    f.write_text(json.dumps(bundle))
    result = read_file(f)
    assert [c.document["claim"]["id"] for c in result.claims] == ["MED-00050"]
    assert [w.code for w in result.warnings] == ["fhir_claim_use_skipped"]
    res = CliRunner().invoke(main, ["check", "--format", "json", str(f)])
    assert res.exit_code in (0, 1), res.output
    record = json.loads(res.output[res.output.index("{"):])
    assert record["claim_id"] == "MED-00050"
    assert "fhir_claim_use_skipped" in {w["code"] for w in record["warnings"]}


def test_bundle_without_claims_names_both_resource_types():
    (rej,) = read_file(THIRD / "pdex_Bundle-2000002.json").rejections
    assert rej.error.code == "fhir_unsupported"
    assert rej.error.message == "the Bundle holds no Claim or ExplanationOfBenefit resource"


# --- X12 variants derived in memory ------------------------------------------------------


def test_latin1_byte_in_an_x12_file_is_located_by_the_x12_reader(tmp_path):
    """A Windows-1252 accented name (not UTF-8) was read as a YAML claim document ("expected a
    UTF-8 YAML or JSON text file"); it is an interchange whose character the guide refuses."""
    raw = (DATA / "examples" / "pertuzumab-clean-medicare.837p.txt").read_bytes()
    at = raw.index(b"NM1*IL*1*") + len(b"NM1*IL*1*")
    f = tmp_path / "latin1.837"
    f.write_bytes(raw[:at] + b"\xe9" + raw[at:])
    assert sniff_file(f) == "x12"
    result = read_file(f)
    (rej,) = result.rejections
    assert rej.error.code == "x12_invalid"
    assert rej.error.location.endswith("NM1, element NM103")
    assert "invalid character" in rej.error.message and "\xe9" not in rej.error.message
    res = CliRunner().invoke(main, ["check", str(f)])
    assert res.exit_code == 2 and "x12_invalid" in res.output and "YAML" not in res.output


def test_non_utf8_that_is_not_x12_is_still_an_encoding_error(tmp_path):
    f = tmp_path / "claim.yaml"
    f.write_bytes(b"claim:\n  id: \xe9\n")
    assert sniff_file(f) == "claim"
    res = CliRunner().invoke(main, ["check", str(f)])
    assert res.exit_code == 2 and "UTF-8" in res.output


@pytest.mark.parametrize(("label", "required"), [("005010X222", "005010X222A1"), ("005010X223A1", "005010X223A2")])
def test_pre_errata_5010_is_refused_naming_the_hipaa_version(label, required):
    """OopFactory's TR3 examples say 005010X222 (the guide before its errata; CDDL, not copied)."""
    text = (THIRD / "lfh_demo.drug.example10.2.837").read_text().replace("005010X222A2", label)
    from denialkb.engine.formats import read_x12_result

    (rej,) = read_x12_result(text).rejections
    assert (rej.error.code, rej.error.location) == ("x12_unsupported", "GS08")
    assert f"'{label}' is the 5010 guide before its errata" in rej.error.message
    assert f"HIPAA requires {required}" in rej.error.message
    assert "2010-25684" in rej.error.hint


# --- CMS Blue Button and the Inferno CARIN test kit ---------------------------------------


def test_stu3_blue_button_eob_is_a_located_refusal_not_an_internal_error():
    """Blue Button 1.0 (STU3) contains a ReferralRequest, a type R4 does not have: fhir.resources
    raised KeyError and check exited 3 ("internal error"); it is bad input, exit 2."""
    (rej,) = read_file(THIRD / "bb_eob_read_carrier_v1.json").rejections
    assert rej.error.code == "fhir_invalid"
    (finding,) = rej.error.findings
    assert "'ReferralRequest', which is not an R4 resource type" in finding.message
    res = CliRunner().invoke(main, ["check", str(THIRD / "bb_eob_read_carrier_v1.json")])
    assert res.exit_code == 2, res.output
    assert "internal error" not in res.output


def test_blue_button_r4_eob_without_insurer_is_refused_with_every_finding():
    """R4 makes EOB.insurer, provider and insurance.focal 1..1; without the insurer (and the Coverage
    it references) the payer would be guessed, so the claim is refused, every finding located."""
    (rej,) = read_file(THIRD / "bb_eob_read_carrier_v2.json").rejections
    assert rej.claim_id == "22639159481"
    assert [f.location for f in rej.error.findings] == [
        "ExplanationOfBenefit.insurance[0].focal", "ExplanationOfBenefit.insurer", "ExplanationOfBenefit.provider"]


def test_bundle_with_resource_type_as_its_last_key_is_fhir(tmp_path):
    """The Inferno CARIN searchset (137 KB) writes resourceType after every entry: the 64 KB head
    had no top-level resourceType and the file was read as a YAML claim document."""
    f = THIRD / "c4bbtk_c4bb_eob_include_bundle.json"
    assert f.stat().st_size > 65536
    assert sniff_file(f) == "fhir"
    result = read_file(f)
    # inpatient ('unknown' type), oral and pharmacy EOBs skipped; outpatient and professional read
    assert [c.document["claim"]["form"] for c in result.claims] == ["institutional", "professional"]
    assert sorted(w.code for w in result.warnings) == ["fhir_claim_type_skipped"] * 3
    assert all("(ExplanationOfBenefit): ExplanationOfBenefit.type '" in w for w in result.warnings)  # not "Claim.type"
    prof = result.claims[1].document["claim"]
    assert [(ln["code"], ln["units"], ln["service_date"]) for ln in prof["lines"]] == [("97110", 1, "2019-07-02")]
    res = CliRunner().invoke(main, ["convert", "-"], input=f.read_bytes())  # stdin: sniffed the same way
    assert "claim: required key is missing" not in res.output
    assert "revenue_code: found 'Dummy'" in res.output  # the outpatient EOB's placeholder revenue code
    # near miss: a claim document is not turned into FHIR by a trailing key it does not have
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"claim": {"id": "X", "note": "x" * 70000}, "resourceType": "x"})[:-1] + ', "k": 1}')
    assert sniff_file(big) == "claim"


def test_carin_inpatient_eob_lines_read_as_the_file_says():
    """Checked by hand against the file: 13 revenue lines, each 99231 on 2017-05-23, four diagnoses,
    the received date from supportingInfo clmrecvddate."""
    (claim,) = read_file(THIRD / "c4bbtk_c4bb_eob_inpatient_example.json").claims
    doc = claim.document["claim"]
    data = json.loads((THIRD / "c4bbtk_c4bb_eob_inpatient_example.json").read_text())
    assert doc["received_date"] == "2017-06-01"
    assert [ln["revenue_code"] for ln in doc["lines"]] == [i["revenue"]["coding"][0]["code"] for i in data["item"]]
    assert {(ln["code"], ln["service_date"], ln["units"]) for ln in doc["lines"]} == {("99231", "2017-05-23", 1)}
    assert doc["diagnoses"] == ["I21.4", "I25.118", "E78.5", "M19.90"]


def test_refused_converted_claim_says_what_the_converter_dropped():
    """HL7 R4 Claim 960150: its only diagnosis has no system and is not ICD-10-CM; the refusal
    "claim.diagnoses: found 0 items" now carries the converter's note as its hint."""
    from denialkb.engine.errors import ClaimInvalidError
    from denialkb.engine.inputs import read_inputs

    with pytest.raises(ClaimInvalidError) as info:
        read_inputs([str(THIRD / "hl7_Claim-960150.json")])
    (problem,) = info.value.problems
    assert problem.place == "claim.diagnoses"
    assert problem.hint == "converter: Claim.diagnosis sequence 1: no ICD-10-CM code (ignored)"
    # near miss: a refusal the converter's notes do not explain keeps no hint
    with pytest.raises(ClaimInvalidError) as info:
        read_inputs([str(THIRD / "c4bbtk_c4bb_eob_include_bundle.json")])
    assert [(p.place, p.hint) for p in info.value.problems] == [
        ("claim.lines[0].revenue_code", ""), ("claim.type_of_bill", "")]
