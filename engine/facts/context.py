"""Reading a validated claim document against a KB: the normalised inputs every fact family uses.

This is where the rules of interpretation of FORMATS.md section 3 live:

* drug names are resolved to the KB's generic names; a name the KB does not model is a
  *warning* (it keeps its lower-case spelling and belongs to no drug class), never an error;
* the version-1 fields ``documentation.drug / dose_mg / route / infusion_start / infusion_end /
  lot_number / waste_mg`` are read as one ``administrations`` entry for that drug on the date
  of service; when the document also states that administration in ``administrations`` with a
  different value, that is an error naming both places;
* a line whose code the KB does not model is out of scope (a warning).

Only a payer id that looks like a misspelt profile id (or any unknown id, in a KB with no profile for payers it
does not model) and a self-contradictory document are errors here.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from denialkb.engine.errors import ClaimInvalidError, Problem, did_you_mean
from denialkb.engine.facts.helpers import normalize_icd, normalize_ndc

# version-1 documentation field -> administrations field
V1_ADMIN_FIELDS = {"dose_mg": "dose_mg", "route": "route", "infusion_start": "start", "infusion_end": "end",
                   "lot_number": "lot_number", "waste_mg": "waste_mg"}


def _place(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(document)"


def _natural(place: str) -> tuple:
    """Sort key that puts claim.lines[2] before claim.lines[10]."""
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", place))


def _same(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.replace(" ", "T") == b.replace(" ", "T")
    return a == b


@dataclass
class Administration:
    """One administration of a drug on a date, from ``administrations`` or version-1 ``documentation``.

    ``fields`` holds the entry's values (``dose_mg``, ``route``, ``start``, ``end``, ``lot_number``,
    ``waste_mg``, ``waste_reason``, ``ndc``, ``vials``, ``components``); ``place`` is the document
    path of the entry (``administrations[2]`` or ``documentation``); ``places`` the path of each
    field when it came from elsewhere (a version-1 field merged into an entry)."""

    drug: str | None
    date: str
    place: str
    fields: dict
    modelled: bool = True
    places: dict = field(default_factory=dict)
    record: bool = True  # a medication administration record entry, not only a dosing-history entry

    def get(self, key, default=None):
        return self.fields.get(key, default)

    def place_of(self, key: str) -> str:
        """Document path of ``key`` in this entry; a field an entry read from version-1 documentation
        lacks belongs there too (``documentation.lot_number``)."""
        if key in self.places:
            return self.places[key]
        if key not in self.fields and (self.place == "documentation" or self.places):
            v1 = {v: k for k, v in V1_ADMIN_FIELDS.items()}
            if key in v1:
                return f"documentation.{v1[key]}"
        return f"{self.place}.{key}"


@dataclass
class Context:
    """The normalised inputs of one claim: what every fact family reads."""

    data: dict
    kb: object
    as_of: str | None
    file: str = "<input>"
    marks: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    # ------------------------------------------------------------------ building
    def __post_init__(self):
        d = self.data
        self.claim = d["claim"]
        self.lines_in = self.claim["lines"]
        self.clin = d.get("clinical") or {}
        self.docu = d.get("documentation")
        self.pt = d.get("patient") or {}
        self.cov = d.get("coverage")
        self.auths = d.get("authorizations")  # None = not known; [] = checked, none on file
        self.payer = self.kb.payers.get(self.claim["payer"])
        if self.payer is None:
            self._payer_not_modelled()
        self.dx = tuple(normalize_icd(x) for x in self.claim["diagnoses"])
        self.first = min(ln["service_date"] for ln in self.lines_in)
        # a revenue-code-only institutional line has no code: None (unknown), out of scope
        self.codes = [ln["code"].upper() if ln.get("code") else None for ln in self.lines_in]
        self.rows = [self.kb.hcpcs.get(c) if c else None for c in self.codes]
        self.prior = [dict(t, drug=self.drug(t["drug"], ("clinical", "prior_therapies", i, "drug")))
                      for i, t in enumerate(self.clin.get("prior_therapies", []))]
        self.concurrent = [self.drug(x, ("clinical", "concurrent_drugs", i))
                           for i, x in enumerate(self.clin.get("concurrent_drugs", []))]
        for i, ra in enumerate(self.clin.get("response_assessments", [])):
            for j, x in enumerate(ra.get("regimen", [])):
                self.drug(x, ("clinical", "response_assessments", i, "regimen", j))
        # In version 1, administrations was a dosing history (date, drug, dose): an entry there says
        # nothing about lot, route or times. In version 2 (or an entry that uses its fields) it is the
        # medication administration record.
        v2 = d.get("format_version") == 2
        self.administrations = [
            Administration(self.drug(a["drug"], ("administrations", i, "drug")), a["date"], f"administrations[{i}]",
                           {k: v for k, v in a.items() if k not in ("drug", "date")},
                           self.kb.canonical_drug(a["drug"]) is not None,
                           record=v2 or bool(set(a) - {"date", "drug", "dose_mg"}))
            for i, a in enumerate(d.get("administrations", []))]
        self.doc_drug = None
        if self.docu and self.docu.get("drug"):
            self.doc_drug = self.drug(self.docu["drug"], ("documentation", "drug"))
        self._read_v1_documentation()
        self._open_world_warnings()
        if self.problems:
            raise ClaimInvalidError(self.problems)
        self.warnings = sorted({(w["place"], w["code"]): w for w in self.warnings}.values(),
                               key=lambda w: (_natural(w["place"]), w["code"]))
        # (date, drug) -> entries, for the per-drug facts of each line
        self.by_day_drug: dict = {}
        for a in self.administrations:
            self.by_day_drug.setdefault((a.date, a.drug), []).append(a)

    def _payer_not_modelled(self) -> None:
        """A payer id with no profile in the KB. A near miss of a profile id is a typo (an error with "did you
        mean"); any other id is a payer this KB does not model: the claim is decided with the KB's profile for such
        payers (``for_payers_not_modelled``, no settings, so only payer-independent rules apply) and a warning says
        so. A KB without that profile refuses the id."""
        pid = str(self.claim["payer"])
        fallback = self.kb.unmodelled_payer
        ids = sorted(i for i in self.kb.payers if fallback is None or i != fallback.id)
        typo = difflib.get_close_matches(pid.lower(), ids, n=1, cutoff=0.8)
        if typo or fallback is None:
            also = f", or '{fallback.id}' for a payer this KB does not model" if fallback is not None else ""
            self._error(("claim", "payer"), f"unknown payer '{pid}'", "a payer profile id: " + ", ".join(ids) + also,
                        f"did you mean '{typo[0]}'?" if typo else did_you_mean(pid, ids))
            return
        self.payer = fallback
        self.claim = {**self.claim, "payer": fallback.id}
        self.data = {**self.data, "claim": self.claim}
        self.warn("payer_not_modelled", "claim.payer",
                  f"payer '{pid}' is not modelled by this knowledge base: decided with the profile '{fallback.id}' "
                  f"({fallback.name}), so only rules that do not depend on a payer's own policy apply (no prior "
                  f"authorization, NDC, timely-filing or JW/JZ settings); add kb/payers/{_slug(pid)}.yaml to model it")

    def _error(self, path, msg, expected="", hint=""):
        from denialkb.engine.yamlio import Loaded

        line, col = Loaded(None, self.marks, self.file).mark(path) if self.marks else (0, 0)
        self.problems.append(Problem("claim_invalid", msg, self.file, line, col, _place(path),
                                     expected=expected, hint=hint))

    def warn(self, code: str, place: str, message: str) -> None:
        """Add a warning ``{code, place, message}`` to the decision record."""
        self.warnings.append({"code": code, "place": place, "message": message})

    def drug(self, name, path) -> str:
        """The KB's generic name for ``name``; an unknown name is a warning and stays as written
        (lower case), so it matches no drug class and no drug-scoped rule."""
        c = self.kb.canonical_drug(name)
        if c is None:
            hint = did_you_mean(str(name).strip().lower(), list(self.kb.aliases))
            self.warn("drug_not_modelled", _place(path),
                      f"drug '{name}' is not modelled by this knowledge base; it belongs to no drug class"
                      + (f" ({hint})" if hint else ""))
            return str(name).strip().lower()
        return c

    def line_code_drug(self, i: int) -> str | None:
        row = self.rows[i]
        return row.get("drug") if row else None

    def _read_v1_documentation(self) -> None:
        """Version-1 per-drug documentation fields become (or join) an administration entry."""
        docu = self.docu or {}
        present = {k: docu[k] for k in V1_ADMIN_FIELDS if docu.get(k) is not None}
        if not present and not self.doc_drug:
            return
        drug = self.doc_drug
        if drug is None:
            billed = {self.line_code_drug(i) for i, ln in enumerate(self.lines_in)
                      if ln["service_date"] == self.first and self.line_code_drug(i)}
            if len(billed) != 1:
                self.warn("documentation_drug_unnamed", "documentation",
                          "documentation gives a dose, route, time, lot or waste without naming the drug "
                          "(documentation.drug), and the claim bills more or fewer than one drug: not applied")
                return
            drug = billed.pop()
        dates = sorted(ln["service_date"] for i, ln in enumerate(self.lines_in) if self.line_code_drug(i) == drug)
        date = dates[0] if dates else self.first
        fields = {V1_ADMIN_FIELDS[k]: v for k, v in present.items()}
        places = {V1_ADMIN_FIELDS[k]: f"documentation.{k}" for k in present}
        same = [a for a in self.administrations if a.date == date and a.drug == drug]
        if not same:
            self.administrations.append(Administration(drug, date, "documentation", fields,
                                                       self.kb.canonical_drug(drug) is not None, places))
            return
        target = same[0]
        target.record = True
        for key, v in fields.items():
            for a in same:
                if key in a.fields and not _same(a.fields[key], v):
                    self._error(("documentation", places[key].split(".", 1)[1]),
                                f"{places[key]} and {a.place_of(key)} describe the same administration "
                                f"({drug} on {date}) with different values",
                                expected="one value: state it once (administrations) or make both agree",
                                hint=f"see {a.place_of(key)}")
                    break
            else:
                if key not in target.fields:
                    target.fields[key] = v
                    target.places[key] = places[key]

    def _open_world_warnings(self) -> None:
        for i, ln in enumerate(self.lines_in):
            n = ln.get("number", i + 1)
            if self.codes[i] is None:
                self.warn("revenue_code_only", f"claim.lines[{i}].revenue_code",
                          f"line {n} bills revenue code {ln.get('revenue_code')} without a HCPCS/CPT code: "
                          "out of scope, no rule for drug or administration lines applies to it")
            elif self.rows[i] is None:
                self.warn("code_not_modelled", f"claim.lines[{i}].code",
                          f"{self.codes[i]} on line {n} is not modelled by this knowledge base: "
                          "no rule for drug or administration lines applies to it")
            ndc = ln.get("ndc")
            n11 = normalize_ndc(ndc) if ndc else None
            # a line whose code is out of scope has had its warning; its NDC adds nothing. Nor does the NDC of a
            # code whose drug has no products in the KB (a partner drug known only as a code): no rule reads its
            # products, so an unlisted NDC is expected, not a problem (redteam F5)
            drug = (self.rows[i] or {}).get("drug")
            has_products = any(v[0] == drug for v in self.kb.ndc_index.values()) if drug else False
            if n11 and n11 not in self.kb.ndc_index and self.rows[i] is not None and has_products:
                self.warn("ndc_not_modelled", f"claim.lines[{i}].ndc",
                          f"NDC {ndc} on line {n} is not in this knowledge base's product table")

    # ------------------------------------------------------------------ lookups
    def administration(self, date: str, drug: str | None) -> list:
        """Entries for ``drug`` on ``date`` (empty when the record holds none or ``drug`` is None)."""
        if drug is None:
            return []
        return self.by_day_drug.get((date, drug), [])

    def day_units_in_code_set(self, date: str, code_set: str) -> float:
        """Units billed on ``date`` by the lines whose code is in the KB code set ``code_set``
        (0 when the KB has no such code set)."""
        if code_set not in self.kb.code_sets:
            return 0
        members = self.kb.value_set("code_set", code_set)
        return sum((ln.get("units") or 0) for i, ln in enumerate(self.lines_in)
                   if ln["service_date"] == date and self.codes[i] in members)

    def day_administrations(self, date: str) -> list:
        """Every administration record entry of ``date``, modelled drugs or not."""
        return [a for a in self.administrations if a.date == date and a.record]


def _slug(text: str) -> str:
    """A file name for a payer id: lower case, letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "payer"
