"""Typed errors of the format converters (X12, FHIR, clinical merge, remittance).

Self-contained on purpose: the lead may later re-parent :class:`FormatError` under the
project's error base. Every error carries a stable machine ``code``, the ``file`` and
``location`` it concerns, a human ``message``, and optional ``expected`` / ``hint`` lines,
printed in the project's one error shape::

    claims.837:line 28, segment 26 SV1, element SV103: x12_invalid: (XX) is not a valid code
        expected: a valid code for SV103
        hint: ...
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One validator finding: where it is and what is wrong.

    Parameters
    ----------
    location : str
        Human-readable position (X12: line, segment number and id, element; FHIR:
        resource index and field path).
    message : str
        What the validator said.
    code : str
        The validator's own code for the finding, if it has one (pyx12 error code).
    segment_id, segment_number, line, element : optional
        X12 only: the segment id (``SV1``), its 1-based position in the transaction set
        (as counted by the validator), the 1-based line of the file, and the element
        reference (``SV103``).
    """

    location: str
    message: str
    code: str = ""
    segment_id: str | None = None
    segment_number: int | None = None
    line: int | None = None
    element: str | None = None


class FormatError(Exception):
    """Base class of every error raised by ``denialkb.engine.formats``.

    Parameters
    ----------
    message : str
        One-line description of the problem.
    code : str
        Stable machine code (``x12_invalid``, ``fhir_invalid``, ...).
    file : str, optional
        The file (or ``<text>``) the problem is in.
    location : str, optional
        Where in the file.
    expected, hint : str, optional
        Extra lines printed under the message.
    findings : list of Finding, optional
        Every finding of the validator (the message describes the first one).
    """

    default_code = "format_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        file: str | None = None,
        location: str | None = None,
        expected: str | None = None,
        hint: str | None = None,
        findings: list[Finding] | None = None,
    ) -> None:
        self.message = message
        self.code = code or self.default_code
        self.file = file
        self.location = location
        self.expected = expected
        self.hint = hint
        self.findings: list[Finding] = list(findings or [])
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.file or '<input>'}:{self.location or '-'}: {self.code}: {self.message}"
        lines = [head]
        if self.expected:
            lines.append(f"    expected: {self.expected}")
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        for extra in self.findings[1:]:
            lines.append(f"    also: {extra.location}: {extra.message}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """Return the error as a JSON-ready dict (for ``--format json``)."""
        return {
            "code": self.code,
            "file": self.file,
            "location": self.location,
            "message": self.message,
            "expected": self.expected,
            "hint": self.hint,
            "findings": [f.__dict__.copy() for f in self.findings],
        }


class InvalidX12Error(FormatError):
    """The X12 interchange failed validation against the implementation guide."""

    default_code = "x12_invalid"


class UnsupportedX12Error(FormatError):
    """The X12 file is valid-looking but not a transaction we convert (e.g. an 835, 4010)."""

    default_code = "x12_unsupported"


class InvalidFhirError(FormatError):
    """The FHIR content is not a valid R4 Bundle, or a resource in it is invalid."""

    default_code = "fhir_invalid"


class UnsupportedFhirError(FormatError):
    """The FHIR Bundle is valid but holds nothing we can convert (e.g. no Claim)."""

    default_code = "fhir_unsupported"


class ClinicalMergeError(FormatError):
    """A clinical file conflicts with the converted claim, or has unknown sections."""

    default_code = "clinical_conflict"


class PayerMappingError(FormatError):
    """The payer id file is malformed or names no payer profile."""

    default_code = "payer_map_invalid"


class RemitRenderError(FormatError):
    """A decision record cannot be rendered as a remittance (835 / ClaimResponse)."""

    default_code = "remit_invalid"
