"""Sampling and appraisal (issue 15 item 3): seeded samples, RAT-STATS frame, attribute and
variable appraisal checked against hand computation, a published t table and an exact
hypergeometric computation written independently of the implementation (math.comb)."""

import csv
import hashlib
import json
import math
import shutil
from fractions import Fraction

import pytest
from click.testing import CliRunner

from denialkb.engine.appraise import (
    appraise,
    attribute_appraisal,
    hypergeometric_limits,
    variable_appraisal,
)
from denialkb.engine.batch import run_audit
from denialkb.engine.cli import main
from denialkb.engine.errors import UsageError
from denialkb.engine.sample import FRAME_COLUMNS, SAMPLE_COLUMNS, allocate, make_sample
from tests.conftest import KB, SMALL

# Student's t, upper 5 % point (two-sided 90 %), from a published t table (e.g. NIST/SEMATECH
# e-Handbook of Statistical Methods, table 1.3.6.7.2): df -> t
T_TABLE = {8: 1.860, 9: 1.833, 10: 1.812, 18: 1.734}


# a fixed population of 28 examples (the figures below are computed from their charges), so that
# examples added later do not move them
POPULATION = (
    "pertuzumab-billed-as-j9308.yaml",
    "pertuzumab-clean-commercial.yaml",
    "pertuzumab-clean-medicare.yaml",
    "pertuzumab-commercial-auth-expired.yaml",
    "pertuzumab-commercial-auth-units-used.yaml",
    "pertuzumab-commercial-no-prior-auth.yaml",
    "pertuzumab-her2-equivocal.yaml",
    "pertuzumab-her2-low.yaml",
    "pertuzumab-her2-missing.yaml",
    "pertuzumab-jw-and-jz.yaml",
    "pertuzumab-jw-whole-vial.yaml",
    "pertuzumab-jz-missing-medicare.yaml",
    "pertuzumab-lot-number-missing.yaml",
    "pertuzumab-no-jz-before-july-2023.yaml",
    "pertuzumab-record-documents-other-drug.yaml",
    "pertuzumab-timely-filing-medicare.yaml",
    "pertuzumab-units-exceed-dose.yaml",
    "phesgo-clean-medicare.yaml",
    "phesgo-j9316-before-2021.yaml",
    "phesgo-several-denials-commercial.yaml",
    "ramucirumab-clean-medicare.yaml",
    "ramucirumab-hcc-several-denials.yaml",
    "ramucirumab-nsclc-dose-above-label-commercial.yaml",
    "ramucirumab-waste-not-documented.yaml",
    "trastuzumab-biosimilar-clean-medicare.yaml",
    "trastuzumab-hylecta-step-therapy-commercial.yaml",
    "trastuzumab-several-denials.yaml",
    "trazimera-jw-on-multi-dose-vial.yaml",
)


@pytest.fixture(scope="module")
def audit_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("pop")
    (d / "in").mkdir()
    for n in POPULATION:
        shutil.copy(SMALL / n, d / "in" / n)
    out = d / "out"
    run_audit([d / "in"], out, workers=1, kb_dir=KB, progress=False, run_date="2026-12-01")
    return out


def _rows(p):
    with open(p, newline="") as f:
        return list(csv.DictReader(f))


def test_sample_reproducible_by_seed(audit_dir, tmp_path):
    a = make_sample(audit_dir, tmp_path / "a", size=8, seed=2024)
    b = make_sample(audit_dir, tmp_path / "b", size=8, seed=2024)
    make_sample(audit_dir, tmp_path / "c", size=8, seed=2025)
    for f in ("frame.csv", "sample.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert (tmp_path / "a" / "sample.csv").read_bytes() != (tmp_path / "c" / "sample.csv").read_bytes()
    assert a == b and a["method"] == "simple_random" and a["sample_size"] == 8
    frame = _rows(tmp_path / "a" / "frame.csv")
    sample = _rows(tmp_path / "a" / "sample.csv")
    assert list(frame[0]) == list(FRAME_COLUMNS) and list(sample[0]) == list(SAMPLE_COLUMNS)
    # the frame: every decided claim once, numbered 1..N in claim-id order
    assert [int(r["frame_number"]) for r in frame] == list(range(1, 29))
    assert [r["claim_id"] for r in frame] == sorted(r["claim_id"] for r in frame)
    # the selection rule, recomputed here: the 8 smallest sha256("seed:stratum:frame_number")
    keys = sorted(range(1, 29), key=lambda i: hashlib.sha256(f"2024:1:{i}".encode()).hexdigest())[:8]
    assert [int(r["frame_number"]) for r in sample] == sorted(keys)
    assert [int(r["sample_number"]) for r in sample] == list(range(1, 9))
    assert all(r["audited_value"] == r["difference"] == r["error"] == "" for r in sample)
    design = json.loads((tmp_path / "a" / "sample.json").read_text())
    assert design["universe_size"] == 28 and design["strata"][0]["universe_value"] == 181700.0
    assert design["kb_version"].startswith("sha256:")


def test_stratified_sample_by_amount(audit_dir, tmp_path):
    d = make_sample(audit_dir, tmp_path / "s", size=10, seed=1, bounds=[8000])
    assert d["method"] == "stratified"
    assert [(s["universe_size"], s["sample_size"], s["low"] >= 8000) for s in d["strata"]] == \
        [(21, 8, False), (7, 2, True)]
    sample = _rows(tmp_path / "s" / "sample.csv")
    assert sum(1 for r in sample if r["stratum"] == "2") == 2
    assert all(float(r["examined_value"]) >= 8000 for r in sample if r["stratum"] == "2")
    assert allocate([100, 10, 3], 20) == [16, 2, 2]
    assert sum(allocate([50, 50, 50], 10)) == 10
    with pytest.raises(UsageError):
        make_sample(audit_dir, tmp_path / "x", size=29, seed=1)


def test_variable_appraisal_worked_example():
    # ten overpayments from a universe of 1000 claims; by hand: mean 100, s^2 = 80000/9,
    # var(total) = N^2 (1 - n/N) s^2 / n = 1e6 * 0.99 * 8888.89 / 10 = 880,000,000
    d = [100, 0, 100, 200, 0, 100, 100, 0, 100, 300]
    v = variable_appraisal([{"stratum": 1, "universe_size": 1000, "differences": d}])
    se = math.sqrt(880_000_000)
    assert v["point_estimate"] == 100_000.0
    assert v["standard_error"] == round(se, 2) == 29664.79
    assert v["degrees_of_freedom"] == 9
    assert abs(v["t_value"] - T_TABLE[9]) < 0.0005
    tol = 0.0005 * se  # the table's t has three decimals
    assert abs(v["lower_limit"] - (100_000 - T_TABLE[9] * se)) < tol  # 45,624.44 with t = 1.833
    assert abs(v["upper_limit"] - (100_000 + T_TABLE[9] * se)) < tol
    assert v["lower_limit"] == 45621.08


def test_variable_appraisal_stratified_worked_example():
    s1 = {"stratum": 1, "universe_size": 200, "differences": [0, 50, 0, 50, 0, 50, 0, 50, 0, 50]}
    s2 = {"stratum": 2, "universe_size": 40, "differences": [1000, 0, 2000, 1000, 0, 1000, 2000, 1000, 1000, 2000]}
    v = variable_appraisal([s1, s2])
    # by hand: stratum 1 mean 25, s^2 = 10*625/9; stratum 2 mean 1100, s^2 = 4,900,000/9
    var1 = 200 ** 2 * (1 - 10 / 200) * (6250 / 9) / 10
    var2 = 40 ** 2 * (1 - 10 / 40) * (4_900_000 / 9) / 10
    se = math.sqrt(var1 + var2)
    assert v["point_estimate"] == 200 * 25 + 40 * 1100 == 49_000
    assert v["standard_error"] == round(se, 2)
    assert v["degrees_of_freedom"] == 18 and abs(v["t_value"] - T_TABLE[18]) < 0.0005
    assert abs(v["lower_limit"] - (49_000 - T_TABLE[18] * se)) < 0.0005 * se
    # the normal-z limits beside them (z = 1.645 at two-sided 90 %, from a published normal table)
    assert abs(v["z_value"] - 1.645) < 0.0005
    assert abs(v["lower_limit_z"] - (49_000 - 1.645 * se)) < 0.0005 * se
    assert v["lower_limit_z"] > v["lower_limit"]  # t is wider: the t lower limit demands less
    assert "lower_limit_z" not in variable_appraisal([s1])  # one stratum: t only


def _exact_limits(k, n, N, alpha=0.05):
    """Exact hypergeometric limits by brute force over K with integer arithmetic (no scipy)."""
    total = math.comb(N, n)

    def p(K, x):
        return Fraction(math.comb(K, x) * math.comb(N - K, n - x), total)

    Ks = range(k, N - (n - k) + 1)
    lower = min(K for K in Ks if sum(p(K, x) for x in range(k, n + 1)) > alpha)
    upper = max(K for K in Ks if sum(p(K, x) for x in range(0, k + 1)) > alpha)
    return lower, upper


@pytest.mark.parametrize("k,n,N", [(5, 50, 500), (0, 30, 300), (12, 40, 250), (40, 40, 120)])
def test_attribute_limits_match_exact_computation(k, n, N):
    assert hypergeometric_limits(k, n, N) == _exact_limits(k, n, N)


def test_attribute_appraisal_zero_errors_large_universe():
    # with N large the exact limit tends to the binomial one: 1 - 0.05 ** (1/n) (2.95 % for n = 100)
    a = attribute_appraisal([{"stratum": 1, "universe_size": 1_000_000, "sample_size": 100, "errors": 0}])
    assert a["lower_errors"] == 0 and abs(a["upper_rate"] - (1 - 0.05 ** (1 / 100))) < 1e-4
    a = attribute_appraisal([{"stratum": 1, "universe_size": 500, "sample_size": 50, "errors": 5}])
    assert (a["rate"], a["projected_errors"]) == (0.1, 50.0)
    assert (a["lower_errors"], a["upper_errors"]) == _exact_limits(5, 50, 500)


def test_appraise_reviewed_sample_cli(audit_dir, tmp_path):
    make_sample(audit_dir, tmp_path / "s", size=6, seed=11)
    path = tmp_path / "s" / "sample.csv"
    rows = _rows(path)
    # the reviewer: the first two units overpaid by 100 and 250, the rest correct
    for i, r in enumerate(rows):
        r["audited_value"] = f"{float(r['examined_value']) - (100, 250)[i]:.2f}" if i < 2 else r["examined_value"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SAMPLE_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    res = appraise(tmp_path / "s")
    assert res["attribute"]["errors"] == 2
    v = res["variable"]
    assert v["point_estimate"] == round(28 * 350 / 6, 2)
    r = CliRunner().invoke(main, ["appraise", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    assert "errors in sample      2 of 6 (33.33 %)" in r.output
    assert f"lower limit (90 %)    ${v['lower_limit']:,.2f}" in r.output
    # an unreviewed or unreadable unit: every problem at once, located, exit 2
    rows[3]["audited_value"] = "lots"
    rows[4]["audited_value"] = ""
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SAMPLE_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    r = CliRunner().invoke(main, ["appraise", str(tmp_path / "s")])
    assert r.exit_code == 2
    assert "row 5 (sample 1-4): audited_value is not a number" in r.output
    assert "row 6 (sample 1-5): not reviewed" in r.output and "2 problems" in r.output


def test_sample_cli(audit_dir, tmp_path):
    r = CliRunner().invoke(main, ["sample", str(audit_dir), "--size", "5", "--seed", "3", "--strata", "2",
                                  "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("stratified sample of 5 claims from 28 (seed 3)")
    r = CliRunner().invoke(main, ["sample", str(tmp_path), "--size", "5", "--seed", "3", "--out", str(tmp_path / "p")])
    assert r.exit_code == 2 and "no lines.parquet or lines.csv" in r.output
    shutil.rmtree(tmp_path / "o")
