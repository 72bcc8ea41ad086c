"""Real third-party X12 837 and FHIR files (tests/data/third_party, see its README).

Every readable claim is converted, every unreadable unit is refused with its location,
and the count of each is asserted per file. Variants (BOM, UTF-16, repairs, reproducers of
reliability-review.md X1/X2/F1/C10) are derived in memory from the real files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pyx12", reason="X12 conversion needs pyx12 4.x (Python 3.11+)")

from denialkb.engine.claim import validate_claim  # noqa: E402
from denialkb.engine.errors import ClaimInvalidError  # noqa: E402
from denialkb.engine.formats import read_x12_result  # noqa: E402
from denialkb.engine.formats.fhir import read_fhir_result  # noqa: E402
from denialkb.engine.formats.reader import read_file, sniff_file  # noqa: E402

THIRD = Path(__file__).parent / "data" / "third_party"
DATA = Path(__file__).parent / "data" / "formats"

# file -> (converted, rejected, converted claim ids valid as claim documents,
#          [(claim id, place of the first claim-document problem)],
#          [(claim id, location of the first X12/FHIR finding) per rejection])
EXPECTED = {
    # LinuxForHealth: the X12 TR3 examples (005010X222A2 / X223A3, read with the A1/A2 maps)
    "lfh_demo.drug.example10.1.837": (1, 0, [], [("CLMNO12345", "claim.diagnoses[0]")], []),
    "lfh_demo.drug.example10.2.837": (1, 0, [], [("CLMNO12345", "claim.diagnoses[0]")], []),
    "lfh_demo.drug.example10.3.837": (1, 0, [], [("CLMNO12345", "claim.diagnoses[0]")], []),
    "lfh_drug-in-office_X222A2.837": (1, 0, [], [("CLMNO12345", "claim.diagnoses[0]")], []),
    "lfh_demo.example1.837": (1, 0, [], [("26463774", "claim.diagnoses[0]")], []),
    "lfh_demo.cob.example3.C.837": (1, 0, [], [("26407789", "claim.diagnoses[0]")], []),
    "lfh_demo.cob.example3.A.837": (0, 1, [], [], [("26407789", "line 44, segment 42 NM1")]),
    "lfh_demo.example11.837": (
        0, 1, [], [], [("ABC123-RI", "line 21, segment 19 CLM, element CLM05-1")]),
    "lfh_two-claims-single-provider.837i": (0, 2, [], [], [
        ("756048Q", "line 12, segment 10 N4, element N403"),
        ("756049Q", "line 12, segment 10 N4, element N403"),
    ]),
    "lfh_managed-care_X221A1.835": (0, 1, [], [], [(None, "line 2, GS08")]),
    # imsweb/x12-parser fixtures
    "ims_x12_complex.txt": (0, 6, [], [], [
        ("A37YH556", "line 28, segment 26 HI, element HI01-2"),
        ("A37YH667", "line 66, segment 64 HL"),
        ("A37YH668", "line 66, segment 64 HL"),
        ("A37YH556", "line 175, segment 26 HI, element HI01-2"),
        ("A37YH667", "line 213, segment 64 HL"),
        ("A37YH668", "line 213, segment 64 HL"),
    ]),
    "ims_x12_multiple_st.txt": (0, 4, [], [], [
        ("A37YH556", "line 23, segment 21 HI, element HI01-2"),
        ("A37YH667", "line 27, segment 25 HL"),
        ("A37YH556", "line 57, segment 21 HI, element HI01-2"),
        ("A37YH667", "line 61, segment 25 HL"),
    ]),
    "ims_x12_multiple_gs.txt": (0, 6, [], [], [
        ("A37YH556", "line 23, segment 21 HI, element HI01-2"),
        ("A37YH667", "line 27, segment 25 HL"),
        ("A37YH556", "line 59, segment 21 HI, element HI01-2"),
        ("A37YH667", "line 63, segment 25 HL"),
        ("A37YH556", "line 95, segment 21 HI, element HI01-2"),
        ("A37YH667", "line 99, segment 25 HL"),
    ]),
    "ims_x223-test.txt": (0, 1, [], [], [("A37YH556", "line 11, segment 9 N4, element N403")]),
    "ims_x12_no_isa_line.txt": (0, 1, [], [], [(None, "line 1")]),
    "ims_x12_bad_first_line.txt": (0, 1, [], [], [(None, "line 1")]),
    # FHIR R4 spec examples and CARIN Blue Button
    "hl7_Claim-MED-00050.json": (1, 0, ["MED-00050"], [], []),
    "hl7_Claim-860150.json": (1, 0, [], [("8612345", "claim.diagnoses")], []),
    "hl7_Claim-760150.json": (0, 0, [], [], []),  # pharmacy: skipped with a warning
    "hl7_Claim-100152.json": (0, 0, [], [], []),  # oral: skipped with a warning
    "carin_ExplanationOfBenefit_ProfessionalEOBExample1.json": (1, 0, ["ProfessionalEOBExample1"], [], []),
}
X12_837 = [n for n in EXPECTED if not n.endswith((".json", ".835"))]


def test_at_least_ten_real_837_files_of_different_shapes():
    assert len(X12_837) >= 10
    texts = {n: (THIRD / n).read_text("utf-8", errors="replace") for n in X12_837}
    assert sum(t.count("CLM*") > 1 for t in texts.values()) >= 3  # multi-claim
    assert sum(t.count("\nST*") + t.startswith("ST*") > 1 for t in texts.values()) >= 2  # multi-ST
    assert any("X223A" in t and "SV2*0305" in t for t in texts.values())  # 837I revenue codes
    assert sum("LIN**N4" in t and "CTP*" in t for t in texts.values()) >= 3  # drug lines
    assert any("SBR*S" in t or "2330" in t or "NM1*PR" in t and t.count("SBR*") > 1 for t in texts.values())  # COB
    assert sum("X222A2" in t for t in texts.values()) >= 5


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_every_claim_converted_or_refused_with_its_location(name):
    converted, rejected, valid_ids, invalid, rejections = EXPECTED[name]
    result = read_file(THIRD / name)
    assert (len(result.claims), len(result.rejections)) == (converted, rejected)
    assert [(r.claim_id, r.error.location) for r in result.rejections] == rejections
    for r in result.rejections:  # every finding is located; JSON shape has them all
        assert r.problems() and all(p.get("place") for p in r.problems())
    ok, bad = [], []
    for c in result.claims:
        try:
            ok.append(validate_claim(c.document, c.source).claim_id)
        except ClaimInvalidError as e:
            bad.append((c.document["claim"]["id"], e.problems[0].place))
    assert ok == valid_ids
    assert bad == invalid


def test_x12_errata_and_envelope_notes_are_warnings_with_codes():
    result = read_file(THIRD / "lfh_demo.drug.example10.2.837")
    assert [w.code for w in result.warnings] == ["x12_errata_version"]
    (claim,) = result.claims
    lines = claim.document["claim"]["lines"]
    assert any(ln.get("ndc") for ln in lines)
    gs = read_file(THIRD / "ims_x12_multiple_gs.txt")
    assert [w.code for w in gs.warnings] == ["x12_envelope"] * 3


def test_one_bad_claim_does_not_reject_its_neighbour():
    text = (THIRD / "lfh_two-claims-single-provider.837i").read_text()
    # the two findings of the original: 2010AA N403 needs ZIP+4; CLM06 is not used in an 837I
    repaired = text.replace("N4*ANYWHERE*PA*17111~", "N4*ANYWHERE*PA*171110000~", 1)
    repaired = repaired.replace("*13:A:1*Y*C*Y*Y~", "*13:A:1**C*Y*Y~")
    both = read_x12_result(repaired, payer="commercial")
    assert (len(both.claims), len(both.rejections)) == (2, 0)
    first = both.claims[0].document["claim"]
    assert first["type_of_bill"] == "0131"
    assert [ln["revenue_code"] for ln in first["lines"]] == ["0305", "0730"]
    broken = repaired.replace("SV2*0300*HC:85087*50.00*UN*1.00~", "SV2*0300*HC:85087*50.00*XX*1.00~")
    one = read_x12_result(broken, payer="commercial")
    assert [c.document["claim"]["id"] for c in one.claims] == ["756048Q"]
    (rej,) = one.rejections
    assert (rej.claim_id, rej.error.location) == ("756049Q", "line 48, segment 46 SV2, element SV204")


def test_revenue_code_only_837i_line_is_read():
    text = (THIRD / "lfh_two-claims-single-provider.837i").read_text()
    text = text.replace("N4*ANYWHERE*PA*17111~", "N4*ANYWHERE*PA*171110000~", 1)
    text = text.replace("*13:A:1*Y*C*Y*Y~", "*13:A:1**C*Y*Y~")
    text = text.replace("SV2*0300*HC:85087*50.00*UN*1.00~", "SV2*0250**50.00*UN*1.00~")
    result = read_x12_result(text, payer="commercial")
    line = result.claims[1].document["claim"]["lines"][0]
    assert line["revenue_code"] == "0250" and "code" not in line
    assert not [w for w in result.claims[1].warnings if "procedure qualifier" in w]


def test_4010_is_refused_naming_the_version():
    text = (THIRD / "lfh_demo.example1.837").read_text().replace("005010X222A2", "004010X098A1")
    result = read_x12_result(text)
    assert not result.claims
    msgs = [r.error.message for r in result.rejections]
    assert msgs and all("'004010X098A1' is HIPAA 4010" in m for m in msgs)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le"])
def test_bom_and_utf16_read_like_the_original(tmp_path, encoding):
    for name in ("lfh_demo.drug.example10.2.837", "hl7_Claim-MED-00050.json"):
        src = THIRD / name
        copy = tmp_path / f"{encoding}-{name}"
        copy.write_bytes(src.read_text("utf-8").encode(encoding))
        assert sniff_file(copy) == sniff_file(src) != "claim"
        a, b = read_file(src), read_file(copy)
        assert [c.document for c in a.claims] == [c.document for c in b.claims]
        assert len(a.rejections) == len(b.rejections)


def test_x12_without_isa_is_never_read_as_yaml():
    from denialkb.engine.inputs import read_inputs

    with pytest.raises(ClaimInvalidError) as info:
        read_inputs([str(THIRD / "ims_x12_no_isa_line.txt")])
    (problem,) = info.value.problems
    assert problem.code == "x12_invalid"
    assert "ISA interchange header is missing" in problem.message


# --- reliability-review.md reproducers (issue 17) --------------------------------


def test_x1_missing_gs_is_a_located_error_not_an_index_error():
    text = "".join(ln for ln in (DATA / "pertuzumab_837p.txt").read_text().splitlines(True)
                   if not ln.startswith("GS*"))
    result = read_x12_result(text)
    (rej,) = result.rejections
    assert rej.error.code == "x12_invalid"
    assert rej.error.location == "line 2"
    assert "outside a functional group" in rej.error.message


def test_x2_malformed_isa_is_a_located_error():
    text = (DATA / "pertuzumab_837p.txt").read_text()
    text = text.replace("*000000101*", "*000000101", 1)
    (rej,) = read_x12_result(text).rejections
    assert (rej.error.code, rej.error.location) == ("x12_invalid", "line 1")
    assert "ISA" in rej.error.message


def test_f1_deep_fhir_and_odd_numbers_are_located_errors(tmp_path):
    bundle = (DATA / "pertuzumab_bundle.json").read_text()
    deep = bundle.replace('"id": "pat-1"', '"id": "pat-1", "extension": ' + "[" * 3000 + "]" * 3000, 1)
    assert deep != bundle
    for text, words in (
        (deep, "nested deeper"),
        (bundle.replace('"value": 420', '"value": ' + "9" * 5000, 1), "number too long"),
        (bundle.replace('"value": 420', '"value": NaN', 1), "NaN or Infinity"),
        (bundle.replace('"resourceType": "Bundle",', '"resourceType": "Bundle", "resourceType": "Bundle",', 1),
         "duplicate key"),
    ):
        f = tmp_path / "b.json"
        f.write_text(text)
        (rej,) = read_fhir_result(f).rejections
        assert rej.error.code == "fhir_invalid" and words in rej.error.message, rej.error.message


def test_c10_alias_bomb_in_a_sidecar_is_refused_quickly(tmp_path):
    from denialkb.engine.formats import ClinicalMergeError
    from denialkb.engine.formats.clinical import load_clinical

    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("clinical:\n  " + "\n  ".join(levels) + "\n")
    with pytest.raises(ClinicalMergeError) as info:
        load_clinical(bomb)
    assert info.value.code == "clinical_invalid"
    assert "aliases" in info.value.message
    dup = tmp_path / "dup.yaml"
    dup.write_text("patient:\n  id: A\n  id: B\n")
    with pytest.raises(ClinicalMergeError):
        load_clinical(dup)


def test_size_limits_on_x12_fhir_and_sidecars(tmp_path, monkeypatch):
    from denialkb.engine.formats import _common, clinical, fhir, x12

    monkeypatch.setattr(x12, "MAX_X12_BYTES", 1000)
    monkeypatch.setattr(fhir, "MAX_FHIR_BYTES", 1000)
    monkeypatch.setattr(_common, "MAX_SIDECAR_BYTES", 100)
    (rej,) = read_x12_result(THIRD / "ims_x12_complex.txt").rejections
    assert rej.error.code == "input_too_large"
    (rej,) = read_fhir_result(THIRD / "hl7_Claim-MED-00050.json").rejections
    assert rej.error.code == "input_too_large"
    with pytest.raises(clinical.ClinicalMergeError) as info:
        clinical.load_clinical(DATA / "pertuzumab_clinical.yaml")
    assert "byte limit" in info.value.message


# --- FHIR shapes ------------------------------------------------------------------


def _bundle(tmp_path, names, btype="collection"):
    resources = [json.loads((THIRD / n).read_text()) for n in names]
    data = {"resourceType": "Bundle", "type": btype,
            "entry": [{"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r} for r in resources]}
    if btype == "searchset":
        for e in data["entry"]:
            e["search"] = {"mode": "match"}
    if btype == "transaction":
        for e in data["entry"]:
            e["request"] = {"method": "POST", "url": e["resource"]["resourceType"]}
    f = tmp_path / f"{btype}.json"
    f.write_text(json.dumps(data))
    return f


@pytest.mark.parametrize("btype", ["collection", "transaction", "searchset"])
def test_bundle_types_and_unsupported_claim_types_skipped_per_claim(tmp_path, btype):
    f = _bundle(tmp_path, ["hl7_Claim-MED-00050.json", "hl7_Claim-760150.json"], btype)
    result = read_file(f)
    assert [c.document["claim"]["id"] for c in result.claims] == ["MED-00050"]
    assert not result.rejections
    assert [w.code for w in result.warnings] == ["fhir_claim_type_skipped"]


def test_ndjson_bulk_export(tmp_path):
    f = tmp_path / "Claim.ndjson"
    f.write_text("\n".join(json.dumps(json.loads((THIRD / n).read_text()))
                           for n in ("hl7_Claim-MED-00050.json", "hl7_Claim-860150.json", "hl7_Claim-760150.json")))
    assert sniff_file(f) == "ndjson"
    result = read_file(f)
    assert [c.document["claim"]["id"] for c in result.claims] == ["MED-00050", "8612345"]
    assert len(result.warnings) == 1  # the pharmacy claim


def test_bare_claim_with_contained_patient_and_coverage():
    (claim,) = read_file(THIRD / "hl7_Claim-MED-00050.json").claims
    doc = claim.document
    assert doc["claim"]["form"] == "institutional"
    assert doc["patient"]["birth_date"]  # from the contained Patient
    assert any(w.code == "fhir_icd10_assumed" for w in claim.warnings)


def test_carin_eob_is_read_as_a_paid_claim(tmp_path):
    f = _bundle(tmp_path, ["carin_ExplanationOfBenefit_ProfessionalEOBExample1.json",
                           "carin_Patient_ExamplePatient1.json", "carin_Coverage_CoverageEx1.json"])
    (claim,) = read_file(f).claims
    doc = claim.document
    assert doc["claim"]["received_date"] == "2020-08-24"
    assert doc["patient"]["sex"] == "M"
    assert doc["coverage"] == {"start_date": "2020-01-01"}
    lines = doc["claim"]["lines"]
    assert len(lines) == 2  # 6 items, 2 reversal pairs left out (warned)
    assert sum(w.code == "fhir_reversal" for w in claim.warnings) == 2
    from denialkb.engine.formats._common import v2_fields_supported

    if v2_fields_supported():
        assert all(ln["paid_amount"] is not None for ln in lines)
    else:
        assert any(w.code == "fhir_amounts_dropped" for w in claim.warnings)


# --- audit over a folder mixing X12, FHIR and YAML -----------------------------------


def test_audit_mixed_folder_accounts_for_every_claim_and_shows_warnings(tmp_path):
    import shutil

    from click.testing import CliRunner

    from denialkb.engine.cli import main

    ex = DATA / "examples"
    inputs, clin = tmp_path / "in", tmp_path / "clinical"
    inputs.mkdir()
    clin.mkdir()
    shutil.copy(ex / "pertuzumab-clean-medicare.837p.txt", inputs)  # 1 claim, decided
    shutil.copy(ex / "pertuzumab-her2-missing.fhir.json", inputs)  # 1 claim, decided
    for stem in ("pertuzumab-clean-medicare", "pertuzumab-her2-missing"):
        shutil.copy(ex / f"{stem}.clinical.yaml", clin)
    shutil.copy(Path(__file__).parents[1] / "examples" / "ramucirumab-clean-medicare.yaml", inputs)  # decided
    for name in ("ims_x12_multiple_st.txt",  # 4 claims refused, located
                 "lfh_demo.drug.example10.2.837",  # converted, refused by the claim document (ICD-9)
                 "hl7_Claim-MED-00050.json",  # decided, with converter warnings
                 "hl7_Claim-760150.json"):  # pharmacy: skipped with a warning, not a claim read
        shutil.copy(THIRD / name, inputs)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["audit", str(inputs), "--out", str(out), "--workers", "1",
                                    "--no-progress", "--clinical", str(clin)])
    assert res.exit_code == 1, res.output  # some claims were rejected
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["read"], summary["decided"], summary["rejected"]) == (9, 4, 5)
    assert "read 9 = decided 4 + rejected 5" in res.output
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()]
    x12 = [r for r in rejected if r["source"].startswith(str(inputs / "ims_x12_multiple_st.txt") + ":")]
    assert len(x12) == 4 and all(p.get("line") and p.get("place") for r in x12 for p in r["problems"])
    assert all(any("segment" in p["place"] for p in r["problems"]) for r in x12)
    assert [r["claim_id"] for r in x12] == ["A37YH556", "A37YH667", "A37YH556", "A37YH667"]
    records = {r["claim_id"]: r for r in map(json.loads, (out / "decisions.jsonl").read_text().splitlines())}
    assert len(records) == 4
    med = records["MED-00050"]
    codes = {w["code"] for w in med["warnings"]}
    assert {"payer_default", "fhir_icd10_assumed"} <= codes
    assert all(set(w) == {"code", "place", "message"} for w in med["warnings"])


def test_queries_take_clinical_and_payer_and_decide_like_check(tmp_path):
    from click.testing import CliRunner

    from denialkb.engine.cli import main

    ex = DATA / "examples"
    claim, clin = ex / "pertuzumab-her2-missing.837p.txt", ex / "pertuzumab-her2-missing.clinical.yaml"
    runner = CliRunner()
    check = runner.invoke(main, ["check", "--format", "json", str(claim), "--clinical", str(clin)])
    expected = sorted(d["id"] for d in json.loads(check.output)["denials"])
    why = runner.invoke(main, ["why", "--format", "json", str(claim), "--clinical", str(clin)])
    assert why.exit_code == 0, why.output
    assert sorted(d["rule"] for d in json.loads(why.output)["denials"]) == expected
    for args in (["why-not", str(claim), "16"], ["what-if", str(claim), "--set", "claim.prior_authorization=PA-1"],
                 ["fix", str(claim)]):
        res = runner.invoke(main, [*args, "--format", "json", "--clinical", str(clin), "--payer", "medicare"])
        assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["report", str(claim), "--clinical", str(clin), "--payer", "medicare",
                               "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["graph", "--claim", str(claim), "--clinical", str(clin), "--out", str(tmp_path / "g.json")])
    assert res.exit_code == 0, res.output


def test_convert_writes_the_999_and_prints_warnings(tmp_path):
    from click.testing import CliRunner

    from denialkb.engine.cli import main

    ack = tmp_path / "ack.999"
    res = CliRunner().invoke(main, ["convert", str(THIRD / "ims_x12_multiple_st.txt"), "--ack", str(ack)])
    assert res.exit_code == 2  # its claims are refused; the 999 says why, per transaction set
    text = ack.read_text()
    assert "ST*999*" in text and "AK2*837*987654*005010X222A1~" in text and "IK3*HI*21**8~" in text
    assert "AK9*R*" in text or "AK9*P*" in text
    res = CliRunner().invoke(main, ["convert", str(THIRD / "lfh_demo.drug.example10.2.837"), "--ack", str(ack)])
    assert "AK1*HC*1*005010X222A2~" in ack.read_text()  # the version the sender used
    res = CliRunner().invoke(main, ["convert", str(THIRD / "hl7_Claim-MED-00050.json")])
    assert res.exit_code == 0
    assert "warning: fhir_icd10_assumed" in res.output


def test_check_shows_converter_warnings_in_text_and_json():
    from click.testing import CliRunner

    from denialkb.engine.cli import main

    f = str(THIRD / "hl7_Claim-MED-00050.json")
    text = CliRunner().invoke(main, ["check", f])
    assert text.exit_code in (0, 1), text.output
    assert "  Warnings (outside what the knowledge base models" in text.output
    assert "WHO ICD-10 read as ICD-10-CM" in text.output
    assert text.output.count("Warnings") == 1  # one block, not repeated by the converter-warning pass
    js = CliRunner().invoke(main, ["check", "--format", "json", f])
    record = json.loads(js.output[js.output.index("{"):])
    assert {"payer_default", "fhir_icd10_assumed"} <= {w["code"] for w in record["warnings"]}


def test_x12_and_fhir_on_stdin_are_sniffed_not_read_as_yaml():
    from click.testing import CliRunner

    from denialkb.engine.cli import main

    ex = DATA / "examples"
    clin = str(ex / "pertuzumab-her2-missing.clinical.yaml")
    for name in ("pertuzumab-her2-missing.837p.txt", "pertuzumab-her2-missing.fhir.json"):
        res = CliRunner().invoke(main, ["check", "--format", "json", "-", "--clinical", clin],
                                 input=(ex / name).read_bytes())
        assert res.exit_code == 1, res.output  # decided: denied
        assert json.loads(res.output[res.output.index("{"):])["claim_id"] == "CLM-P-HER2-MISSING"
    res = CliRunner().invoke(main, ["check", "-"], input=b"GS*HC*X~")
    assert res.exit_code == 2 and "x12_invalid" in res.output


def test_render_warnings_adds_only_what_the_text_left_out():
    from denialkb.engine.inputs import render_warnings

    record = {"warnings": [{"code": "a", "place": "claim.lines[0].code", "message": "J1200 on line 1 is not modelled"},
                           {"code": "b", "place": "", "message": "default payer profile used"}]}
    # a text that happens to hold the word "Warnings:" (e.g. in a claim id) still gets the block
    out = render_warnings("CLM-Warnings: CLEAN\n", record)
    assert "claim.lines[0].code: J1200 on line 1 is not modelled" in out and "    - default payer profile used" in out
    # a warning the text already shows is not repeated
    out = render_warnings("CLM-1: CLEAN\n  J1200 on line 1 is not modelled\n", record)
    assert out.count("J1200 on line 1") == 1 and "default payer profile used" in out
    assert render_warnings("x\n", {"warnings": []}) == "x\n"


def test_audit_rejections_name_the_folder_of_files_with_one_name(tmp_path):
    """Two x.txt in two folders: each rejection names the path as reached from the input argument."""
    from click.testing import CliRunner

    from denialkb.engine.cli import main

    inputs = tmp_path / "in"
    for sub in ("a", "b"):
        (inputs / sub).mkdir(parents=True)
        (inputs / sub / "x.txt").write_bytes((THIRD / "ims_x223-test.txt").read_bytes())
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["audit", str(inputs), "--out", str(out), "--workers", "1", "--no-progress"])
    assert res.exit_code == 1, res.output
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()]
    assert [r["source"] for r in rejected] == [f"{inputs / sub / 'x.txt'}:claim 1 (CLM*A37YH556)" for sub in "ab"]
    assert all(p["file"] == r["source"] for r in rejected for p in r["problems"])
