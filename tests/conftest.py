import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"
EXAMPLES = ROOT / "examples"
#: single-drug claim documents (the earlier examples) that engine tests edit by path; see its README
SMALL = ROOT / "tests" / "data" / "small_examples"


# Tests that took more than ~5 s each in the suite (mostly many CLI subprocesses or pyx12).
# They are marked here rather than in their files; they still run by default and in CI
# (`-m "not slow"` skips them in a quick local loop).
SLOW = (
    "tests/test_formats_examples.py::test_generated_files_are_up_to_date",
    "tests/test_cli_queries.py::test_paths_json_every_carc",
    "tests/test_formats_x12.py::test_packaged_payer_map_maps_medicare_filing_indicator",
    "tests/test_formats_x12.py::test_payer_argument_overrides_and_default_is_warned",
    "tests/test_formats_x12.py::test_837i_reads_type_of_bill_and_revenue_code",
    "tests/test_formats_remit.py::test_835_claim_level_denial_and_clean_claim_in_one_file",
    "tests/test_formats_remit.py::test_835_round_trip_line_denial",
    "tests/test_formats_remit.py::test_835_undetermined_is_an_error_or_skipped",
    "tests/test_formats_examples.py::test_837p_gives_the_same_decision_record",
    "tests/test_formats_examples.py::test_837i_gives_the_same_decision",
    "tests/test_formats_examples.py::test_837_writer_round_trip",
    "tests/test_formats_examples.py::test_every_837_passes_pyx12",
    "tests/test_kb_loader.py::test_unknown_fact_name",
    "tests/test_kb_loader.py::test_unknown_operator_with_suggestion",
    "tests/test_authoring.py::test_tutorials_lint_and_test_clean",
    "tests/test_report.py::test_report_renders_in_headless_chromium",
    "tests/test_cli_queries.py::test_docs_walkthrough_output_is_real",
    "tests/test_cli_kbtools.py::test_kb_test_coverage_min",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.split("[")[0] in SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def kb():
    """The shipped KB, loaded once per test session (per xdist worker)."""
    from denialkb.engine.kb import load_kb

    return load_kb(KB)


@pytest.fixture(scope="session")
def decider(kb):
    """One Decider on the shipped KB for the whole session (per xdist worker)."""
    from denialkb.engine.runtime import Decider

    return Decider(kb)


def run_cli(*args, env=None, input=None, cwd=ROOT):
    """Run the installed CLI in a subprocess (in ``cwd``, the repository root by default, so
    ``./kb`` is the KB); returns CompletedProcess (text). ``DENIALKB_KB`` is not inherited."""
    e = {k: v for k, v in os.environ.items() if k != "DENIALKB_KB"}
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "denialkb.engine.cli", *map(str, args)],
                          capture_output=True, text=True, env=e, input=input, cwd=cwd)


@pytest.fixture
def cli():
    return run_cli


KB_HEADER = re.compile(r"kb: \S.* \(version (sha256:[0-9a-f]{12}|unreadable), from [^)]+\)")


def body(stdout: str) -> str:
    """The text output of a command after its first line, which must name the KB (issue 11 item 8)."""
    header, _, rest = stdout.partition("\n")
    assert KB_HEADER.fullmatch(header), f"no KB header: {header!r}"
    return rest
