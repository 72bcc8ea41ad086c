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
            warnings.append(
                f"payer: no mapping for payer id {payer_id!r} / filing indicator "
                f"{filing_indicator!r}; used the default payer profile {self.default!r}"
            )
            return self.default
        warnings.append(
            f"payer: no mapping for payer id {payer_id!r} / filing indicator "
            f"{filing_indicator!r} and no default; claim.payer left empty"
        )
        return None


def as_payer_map(payer_map: PayerMap | dict | str | Path | None) -> PayerMap:
    """Accept a PayerMap, a dict in the file's shape, a path, or None (packaged map)."""
    if isinstance(payer_map, PayerMap):
        return payer_map
    if isinstance(payer_map, dict):
        return PayerMap.from_dict(payer_map)
    return PayerMap.load(payer_map)


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
