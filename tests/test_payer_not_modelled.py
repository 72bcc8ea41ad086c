"""A payer the KB has no profile for (FORMATS.md section 3, open world): decided with the KB's profile for payers it
does not model (kb/payers/other.yaml: no settings), so only payer-independent rules apply, with a warning; a near
miss of a profile id is a typo and refused with "did you mean"."""

from __future__ import annotations

import copy
import shutil

import pytest
import yaml

from denialkb.engine.claim import validate_claim
from denialkb.engine.errors import ClaimInvalidError, KBInvalidError
from denialkb.engine.formats.clinical import _dates_to_iso
from denialkb.engine.kb import load_kb

from .conftest import EXAMPLES, KB

VISIT = EXAMPLES / "visit-pertuzumab-trazimera-docetaxel-commercial.yaml"


def _doc(path, payer):
    d = _dates_to_iso(yaml.safe_load(path.read_text()))
    d = copy.deepcopy(d)
    d["claim"]["payer"] = payer
    return d


def _denials(rec):
    return sorted((d["id"], d["line"], d["stage"], d["group"], d["carc"]) for d in rec["denials"])


@pytest.mark.parametrize("payer", ["cigna", "anthem-bcbs", "tricare", "humana-medicare-advantage"])
def test_ordinary_visit_for_an_unmodelled_payer_is_clean_with_a_warning(decider, payer):
    rec = decider.check_document(validate_claim(_doc(VISIT, payer)))
    assert rec["outcome"] == "clean" and rec["payer"] == "other"
    warn = [w for w in rec["warnings"] if w["code"] == "payer_not_modelled"]
    assert len(warn) == 1 and warn[0]["place"] == "claim.payer"
    assert warn[0]["message"].startswith(f"payer '{payer}' is not modelled by this knowledge base: decided with the "
                                         "profile 'other'")


def test_payer_policy_denials_fall_away_and_label_denials_stay(decider):
    # the commercial plan's prior authorization is its own policy: an unmodelled payer's is not known
    no_pa = decider.check_document(validate_claim(_doc(EXAMPLES / "pertuzumab-commercial-no-prior-auth.yaml", "cigna")))
    assert no_pa["outcome"] == "clean"
    # HER2-low pertuzumab is outside the label for every payer: the same denials, at records review
    low = decider.check_document(validate_claim(_doc(EXAMPLES / "pertuzumab-her2-low.yaml", "cigna")))
    assert _denials(low) == [("PERTUZUMAB-HER2-NEGATIVE", 1, "medical_review", "CO", "50"),
                             ("PERTUZUMAB-HER2-NEGATIVE", 2, "medical_review", "CO", "50")]
    # Phesgo with IV components and diagnoses of history only: coding denials stay, the PA denial goes
    ph = decider.check_document(validate_claim(_doc(EXAMPLES / "phesgo-several-denials-commercial.yaml", "cigna")))
    assert [d[:3] for d in _denials(ph)] == [
        ("HER2-DRUG-DX-HISTORY-ONLY", 1, "adjudication"), ("HER2-DRUG-DX-HISTORY-ONLY", 3, "adjudication"),
        ("PERTUZUMAB-EBC-18-CYCLE-CAP", 1, "medical_review"), ("PHESGO-WITH-IV-PERTUZUMAB-OR-TRASTUZUMAB", 1, "adjudication"),
        ("TRASTUZUMAB-EBC-BEYOND-ONE-YEAR", 3, "medical_review")]


@pytest.mark.parametrize("payer,meant", [("comercial", "commercial"), ("Medicare", "medicare"), ("medicar", "medicare"),
                                         ("UHC", "uhc")])
def test_a_near_miss_of_a_profile_id_is_a_typo(decider, payer, meant):
    with pytest.raises(ClaimInvalidError) as e:
        decider.check_document(validate_claim(_doc(VISIT, payer)))
    (p,) = e.value.problems
    assert p.place == "claim.payer" and p.message == f"unknown payer '{payer}'"
    assert p.hint == f"did you mean '{meant}'?" and p.expected.endswith("or 'other' for a payer this KB does not model")


def test_naming_other_on_purpose_gives_no_warning(decider):
    rec = decider.check_document(validate_claim(_doc(VISIT, "other")))
    assert rec["outcome"] == "clean" and not [w for w in rec["warnings"] if w["code"] == "payer_not_modelled"]


def test_a_kb_without_the_profile_refuses_unknown_payers(tmp_path):
    from denialkb.engine.runtime import Decider

    kb_dir = tmp_path / "kb"
    shutil.copytree(KB, kb_dir)
    (kb_dir / "payers" / "other.yaml").unlink()
    with pytest.raises(ClaimInvalidError) as e:
        Decider(load_kb(kb_dir)).check_document(validate_claim(_doc(VISIT, "cigna")))
    assert e.value.problems[0].message == "unknown payer 'cigna'"
    # and two such profiles are a KB error
    (kb_dir / "payers" / "other.yaml").write_text((KB / "payers" / "other.yaml").read_text())
    (kb_dir / "payers" / "other2.yaml").write_text((KB / "payers" / "other.yaml").read_text().replace("id: other", "id: other2"))
    with pytest.raises(KBInvalidError) as e2:
        load_kb(kb_dir)
    assert "both say for_payers_not_modelled: true" in str(e2.value)
