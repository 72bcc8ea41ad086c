"""Converters between external claim formats and the denialkb claim document / decision record.

- :func:`read_x12` — X12 837P / 837I (005010) -> claim documents (validated with pyx12).
- :func:`read_fhir` — FHIR R4 Bundle (Claim, Patient, Coverage, Condition, Observation,
  MedicationAdministration) -> claim documents (parsed with fhir.resources).
- :func:`merge_clinical`, :func:`match_clinical` — add the non-claim sections from a
  YAML/JSON clinical file.
- :func:`render_835`, :func:`render_fhir` — decision records -> a predicted X12 835 and
  a FHIR R4 ClaimResponse.
- :func:`write_837`, :func:`write_bundle` — claim documents -> 837P / 837I and FHIR R4
  Bundles (test material and export; they write what read_x12 / read_fhir read).

Every error is a :class:`FormatError` (see :mod:`.errors`). See docs/formats.md.
"""

from __future__ import annotations

from denialkb.engine.formats._common import (
    ConvertedClaim,
    ConverterWarning,
    PayerMap,
    ReadResult,
    Rejection,
)
from denialkb.engine.formats.clinical import match_clinical, merge_clinical
from denialkb.engine.formats.errors import (
    ClinicalMergeError,
    Finding,
    FormatError,
    InvalidFhirError,
    InvalidX12Error,
    PayerMappingError,
    RemitRenderError,
    UnsupportedFhirError,
    UnsupportedX12Error,
)

# The converters (fhir.resources + pydantic, pyx12) are imported on first use: `check` and
# `audit` of claim documents only need the sniffing in .reader, and these imports cost
# about 0.2 s of start-up.
_LAZY = {"read_fhir": "fhir", "render_835": "remit", "render_fhir": "remit", "write_837": "writers",
         "write_bundle": "writers", "read_x12": "x12", "read_x12_result": "x12", "validate_x12": "x12"}


def _x12_stand_ins(reason: str) -> dict:
    def read_x12(*args, **kwargs):  # noqa: D103 - stand-in with the same name
        raise UnsupportedX12Error(
            f"X12 support is not installed ({reason}); pyx12 4.x needs Python 3.11+",
            location="-",
        )

    def read_x12_result(path_or_text, **kwargs):  # noqa: D103 - stand-in with the same name
        try:
            read_x12(path_or_text)
        except UnsupportedX12Error as exc:
            return ReadResult(str(path_or_text), "x12", rejections=[Rejection(str(path_or_text), None, exc)])

    return {"read_x12": read_x12, "validate_x12": read_x12, "read_x12_result": read_x12_result}


def __getattr__(name: str):
    """Import a converter on first use (PEP 562)."""
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    try:
        module = importlib.import_module(f"{__name__}.{mod}")
        value = getattr(module, name)
    except ImportError as exc:  # pyx12 4.x needs Python 3.11+
        if mod != "x12":
            raise
        stand_ins = _x12_stand_ins(str(exc))
        globals().update(stand_ins)
        return stand_ins[name]
    globals()[name] = value
    return value


__all__ = [
    "ClinicalMergeError",
    "ConvertedClaim",
    "ConverterWarning",
    "Finding",
    "FormatError",
    "InvalidFhirError",
    "InvalidX12Error",
    "PayerMap",
    "PayerMappingError",
    "ReadResult",
    "Rejection",
    "RemitRenderError",
    "UnsupportedFhirError",
    "UnsupportedX12Error",
    "match_clinical",
    "merge_clinical",
    "read_fhir",
    "read_x12",
    "read_x12_result",
    "render_835",
    "render_fhir",
    "validate_x12",
    "write_837",
    "write_bundle",
]
