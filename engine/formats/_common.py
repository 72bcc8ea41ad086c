"""Shared pieces of the converters: the result type, payer resolution, small parsers."""

from __future__ import annotations

import datetime as _dt
import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from denialkb.engine.formats.errors import PayerMappingError


class ConverterWarning(str):
    """A converter note: a ``str`` (its message) that also carries ``code`` and ``place``.

    It compares equal to its message, so lists of warnings read like lists of strings;
    :meth:`to_dict` gives the decision-record shape ``{code, place, message}``
    (FORMATS.md section 3). Never holds patient values.
    """

    code: str
    place: str

    def __new__(cls, message: str, code: str = "converter_note", place: str = "") -> ConverterWarning:
        obj = super().__new__(cls, message)
        obj.code = code
        obj.place = place
        return obj

    @property
    def message(self) -> str:
        """The text of the note."""
        return str.__str__(self)

    def to_dict(self) -> dict:
        """``{code, place, message}`` for JSON output and the decision record."""
        return {"code": self.code, "place": self.place, "message": self.message}


def as_warning(note: str, code: str = "converter_note", place: str = "") -> ConverterWarning:
    """Return ``note`` as a :class:`ConverterWarning` (unchanged if it already is one)."""
    return note if isinstance(note, ConverterWarning) else ConverterWarning(note, code, place)


@dataclass
class ConvertedClaim:
    """One claim document converted from an external format.

    Attributes
    ----------
    document : dict
        The claim document, in the FORMATS.md section 1 shape (ISO date strings, codes
        as strings).
    source : str
        Where it came from, e.g. ``"pertuzumab.837:claim 1 (CLM*PTZ-0001)"``.
    warnings : list of str
        Things that were not converted or were guessed; never patient values.
    """

    document: dict
    source: str
    warnings: list[str] = field(default_factory=list)

    def warning_dicts(self) -> list[dict]:
        """The warnings as ``{code, place, message}`` dicts (FORMATS.md section 3)."""
        return [as_warning(w, place=self.source).to_dict() for w in self.warnings]


@dataclass
class Rejection:
    """A unit of an input that could not be converted: a claim, a transaction set, a
    functional group, a whole file, or a FHIR resource.

    Attributes
    ----------
    source : str
        Where it is, e.g. ``"x.837:ST 0002, claim 3 (CLM*A1)"`` or ``"b.json:entry[4](Claim)"``.
    claim_id : str or None
        The claim id when the unit is one claim and its id is readable.
    error : FormatError
        The error, with every finding (``error.findings``).
    """

    source: str
    claim_id: str | None
    error: Any

    def problems(self) -> list[dict]:
        """Every finding as a JSON-ready dict (``code, message, file, line, place``)."""
        err = self.error
        found = err.findings or []
        if not found:
            return [_problem_dict(err.code, err.message, err.file, None, err.location)]
        return [_problem_dict(err.code, f.message, err.file, f.line, f.location) for f in found]


def _problem_dict(code, message, file, line, place) -> dict:
    out = {"code": code, "message": message}
    if file:
        out["file"] = file
    if line:
        out["line"] = line
    if place:
        out["place"] = place
    return out


@dataclass
class ReadResult:
    """Everything read from one input file.

    ``claims`` were converted; ``rejections`` were not (each located); ``warnings`` are
    file-level notes (envelope errors noted, versions read with a neighbouring map ...);
    ``ack`` is the 999 acknowledgment text when it was asked for. Every unit read is in
    exactly one of ``claims`` / ``rejections`` (``read == len(claims) + len(rejections)``).
    """

    file: str
    kind: str
    claims: list[ConvertedClaim] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ack: str | None = None
    #: the error a strict reader raises when every claim was skipped (FHIR: claim types
    #: the KB does not decide); the skips themselves are in ``warnings``
    skipped: Any = field(default=None, repr=False)

    @property
    def read(self) -> int:
        """How many units (claims, or unconvertible units) the file held."""
        return len(self.claims) + len(self.rejections)


@dataclass(frozen=True)
class PayerMap:
    """Payer identifier -> payer profile id mapping (see ``kb/mappings/payer_ids.yaml``)."""

    payer_ids: dict[str, str]
    filing_indicators: dict[str, str]
    default: str | None

    @classmethod
    def from_dict(cls, data: Any, *, file: str = "<payer map>") -> PayerMap:
        """Build a map from the parsed YAML/JSON structure; raise on unknown keys."""
        if not isinstance(data, dict):
            raise PayerMappingError("payer map must be a mapping", file=file, location="1")
        allowed = {"payer_ids", "filing_indicators", "default"}
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                raise PayerMappingError(
                    f"unknown key {key!r}",
                    file=file,
                    location=str(key),
                    expected="one of: " + ", ".join(sorted(allowed)),
                    hint=f"did you mean {close[0]!r}?" if close else None,
                )
        ids = data.get("payer_ids") or {}
        ind = data.get("filing_indicators") or {}
        if not isinstance(ids, dict) or not isinstance(ind, dict):
            raise PayerMappingError(
                "payer_ids and filing_indicators must be mappings", file=file, location="1"
            )
        default = data.get("default")
        return cls(
            payer_ids={str(k): str(v) for k, v in ids.items()},
            filing_indicators={str(k): str(v) for k, v in ind.items()},
            default=None if default is None else str(default),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> PayerMap:
        """Load a payer map file (YAML, safe loader); the packaged one when ``path`` is None."""
        if path is None:
            text = resources.files("denialkb.kb").joinpath("mappings/payer_ids.yaml").read_text("utf-8")
            name = "kb/mappings/payer_ids.yaml"
        else:
            text = Path(path).read_text(encoding="utf-8")
            name = str(path)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PayerMappingError(f"not valid YAML: {exc}", file=name, location="1") from None
        return cls.from_dict(data, file=name)

    def resolve(
        self, payer_id: str | None, filing_indicator: str | None, warnings: list[str]
    ) -> str | None:
        """Return the payer profile id for a claim, adding a warning if the default is used."""
        if payer_id and payer_id in self.payer_ids:
            return self.payer_ids[payer_id]
        if filing_indicator and filing_indicator in self.filing_indicators:
            return self.filing_indicators[filing_indicator]
        if self.default is not None:
            warnings.append(ConverterWarning(
                f"payer: no mapping for payer id {payer_id!r} / filing indicator "
                f"{filing_indicator!r}; used the default payer profile {self.default!r}",
                code="payer_default", place="claim.payer",
            ))
            return self.default
        warnings.append(ConverterWarning(
            f"payer: no mapping for payer id {payer_id!r} / filing indicator "
            f"{filing_indicator!r} and no default; claim.payer left empty",
            code="payer_unmapped", place="claim.payer",
        ))
        return None


def as_payer_map(payer_map: PayerMap | dict | str | Path | None) -> PayerMap:
    """Accept a PayerMap, a dict in the file's shape, a path, or None (packaged map)."""
    if isinstance(payer_map, PayerMap):
        return payer_map
    if isinstance(payer_map, dict):
        return PayerMap.from_dict(payer_map)
    return PayerMap.load(payer_map)


#: Size limits of the readers (bytes). X12 and FHIR files may hold many claims; one
#: NDJSON line is one resource; clinical sidecars describe one claim or patient.
MAX_X12_BYTES = 64 * 1024 * 1024
MAX_FHIR_BYTES = 64 * 1024 * 1024
MAX_NDJSON_LINE_BYTES = 8 * 1024 * 1024
MAX_SIDECAR_BYTES = 5 * 1024 * 1024
#: Nesting limit for FHIR JSON (real resources nest about 10 deep).
MAX_JSON_DEPTH = 64


def short_id(value: object, limit: int = 40) -> str | None:
    """An id for labels and rejection records: None when absent or longer than ``limit``
    (an over-long "id" is more likely data than an id, and is never echoed)."""
    if value is None:
        return None
    text = str(value)
    return text if 0 < len(text) <= limit and text.isprintable() else None


def x12_date(value: str) -> str:
    """``CCYYMMDD`` -> ISO ``CCYY-MM-DD`` (raises ValueError when not a real date)."""
    return _dt.datetime.strptime(value, "%Y%m%d").date().isoformat()


def number(value: str | float | int | None) -> int | float | None:
    """Parse a decimal; integral values become int (units 420, not 420.0)."""
    if value is None or value == "":
        return None
    num = float(value)
    return int(num) if num.is_integer() else num


def dotted_icd10(code: str) -> str:
    """Insert the ICD-10-CM dot after the category (``C50911`` -> ``C50.911``)."""
    code = code.strip().upper()
    if "." in code or len(code) <= 3:
        return code
    return f"{code[:3]}.{code[3:]}"


def hyphenated_ndc(ndc: str) -> str:
    """Format an 11-digit NDC as 5-4-2; leave any other form unchanged."""
    digits = ndc.replace("-", "")
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:5]}-{digits[5:9]}-{digits[9:]}"
    return ndc


_V2: list[bool] = []


def v2_fields_supported() -> bool:
    """Does the claim schema know the version-2 fields (FORMATS.md section 3)?

    The converters carry v2 fields (paid amounts, providers, frequency code ...) only when
    the installed claim schema accepts them, so they work before and after v2 lands.
    """
    if not _V2:
        try:
            import json

            text = resources.files("denialkb.engine").joinpath("schemas/claim.schema.json").read_text("utf-8")
            _V2.append("format_version" in json.loads(text).get("properties", {}))
        except (OSError, ValueError):
            _V2.append(False)
    return _V2[0]


#: FHIR Claim.related relationship codes (the FHIR R4 example code system; CARIN Blue Button's
#: C4BBRelatedClaimRelationshipCodes value set includes its ``prior``)
RELATED_CLAIM_SYSTEM = "http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship"
CLAIM_INFO_CATEGORY = "http://terminology.hl7.org/CodeSystem/claiminformationcategory"
#: denialkb's own code system for the X12 claim frequency code (CLM05-3: 1 original, 7 replacement,
#: 8 void): FHIR R4 has no element for it, so it travels as a Claim.supportingInfo entry
FREQUENCY_SYSTEM = "urn:denialkb:claim-frequency-code"
