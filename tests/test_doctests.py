"""Docstring examples run (from a test file: --doctest-modules would import the files under bare names)."""

import doctest
import importlib

import pytest

MODULES = ["denialkb.engine.facts.helpers", "denialkb.engine.record", "denialkb.engine.cases", "denialkb.engine.errors", "denialkb.engine.runtime",
           "denialkb.engine.formats.clinical", "denialkb.visualize.graph", "denialkb.engine.cli.app"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no examples to run"
