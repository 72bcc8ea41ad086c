"""Loading a knowledge base: YAML tables, payer profiles, rules and golden cases.

Every file is parsed safely, validated against ``schemas/kb.schema.json`` and then
checked for references (facts, codes, drugs, payers, CARC/RARC, code sets, findings),
duplicate ids and cycles among findings. All problems of all files are collected and
reported at once as ``path:line:col: RULE-ID: code: message``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from denialkb.engine.conditions import (
    LIST_OPS,
    PRESENCE_OPS,
    ConditionSyntaxError,
    FindingRef,
    Leaf,
    ValueSet,
    finding_refs,
    parse_condition,
    walk,
)
from denialkb.engine.dated import dated_value, is_dated  # noqa: F401  (re-exported)
from denialkb.engine.errors import KBInvalidError, Problem, did_you_mean
from denialkb.engine.facts import fact_catalog, normalize_ndc
from denialkb.engine.validation import place_of, schema_problem
from denialkb.engine.yamlio import Loaded, LoadError, load_document

SECTIONS = ("kb", "hcpcs", "drugs", "drug_classes", "code_sets", "icd10cm_dates", "not_covered", "modifiers", "carc", "rarc",
            "ncci_pairs", "mue", "payer", "rules", "cases")
# sections that are lists of rows (merged across files in file order): NCCI-style code pairs, MUE ceilings
ROW_TABLES = ("ncci_pairs", "mue")
TEMPLATE_RE = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
_ICD_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")  # a dotted ICD-10-CM code (C50, C50.911)
# payer settings the engine itself reads (besides the ``payer.<setting>`` facts rules name)
ENGINE_PAYER_SETTINGS = ("timely_filing_days", "timely_filing_months", "filing_deadline_next_workday",
                         # the age a dosing weight may have on the date of service (line.dose_per_kg)
                         "dosing_weight_max_age_days")
# stages a rule may name that each payer resolves to a concrete stage (payer ``stages`` map)
STAGE_ROLES = ("clinical_review",)




def default_kb_dir() -> Path:
    """The knowledge base shipped with the package."""
    return Path(str(resources.files("denialkb.kb")))


@dataclass
class Rule:
    """One rule, as data. ``when`` is the parsed condition tree."""

    id: str
    title: str
    level: str
    scope: dict
    when: object
    conclusion: str  # "finding" | "denial"
    finding: str | None
    denial: dict | None
    explanation: str
    remedy: str
    sources: list
    confidence: str
    file: str
    line: int
    col: int
    order: int
    raw: dict = field(repr=False, default_factory=dict)

    @property
    def concludes(self) -> str:
        """The id of what this rule concludes: a finding id, or its own id for a denial."""
        return self.finding if self.conclusion == "finding" else self.id

    def get(self, key, default=None):
        return self.raw.get(key, default)


class FamilySet(ValueSet):
    """A code set with ICD-10-CM families: exact codes, plus every code of the code set that
    descends from a family code (``C50`` -> C50.011 ... C50.929, C50.A0 ...). A code the code set
    does not know is in no family (it is reported as an invalid diagnosis code instead)."""

    __slots__ = ("families", "_known")

    def __init__(self, name: str, items, families, known):
        super().__init__(name, items)
        self.families = tuple(families)
        self._known = known

    def __contains__(self, value) -> bool:
        if value in self.exact:
            return True
        return isinstance(value, str) and value.startswith(self.families) and self._known(value)

    def __repr__(self):
        return f"{self.name} ({', '.join(list(self.items) + [f + ' and descendants' for f in self.families])})"


@dataclass
class Payer:
    id: str
    name: str
    settings: dict
    prior_auth: list
    unit_limits: list
    step_therapy: list
    file: str
    raw: dict = field(repr=False, default_factory=dict)

    def remittance_for(self, rule_id: str) -> dict | None:
        """The payer's remittance override for a denial rule (``remittance`` rows of the payer
        file: group / carc / rarc this payer sends instead of the rule's own), or None."""
        for row in self.raw.get("remittance", []) or []:
            if rule_id in row.get("rules", ()):
                return row
        return None

    def stage_for(self, stage: str) -> str:
        """The stage at which this payer applies a rule staged ``stage``: a role such as
        ``clinical_review`` is resolved by the payer's ``stages`` map (kb/payers), a concrete
        stage is returned as it is. :func:`load_kb` refuses a KB whose rules use a role a payer
        does not map, so every record shows a concrete stage."""
        return (self.raw.get("stages") or {}).get(stage, stage)

    def setting(self, name: str, date: str | None = None, default=None):
        """The value of setting ``name`` in force on ``date`` (dated settings), or ``default``."""
        v = dated_value(self.settings.get(name), date)
        return default if v is None else v


@dataclass
class Case:
    """A golden case: a claim (inline or ``base`` + ``set``/``unset``) and what must come out."""

    id: str
    raw: dict
    file: str
    line: int
    col: int

    @property
    def fires(self) -> list:
        return self.raw.get("fires", [])

    @property
    def near_miss(self) -> list:
        return self.raw.get("near_miss", [])


@dataclass
class KnowledgeBase:
    """A loaded, checked knowledge base. Build one with :func:`load_kb`."""

    root: Path
    version: str
    files: list
    hcpcs: dict
    drugs: dict
    drug_classes: dict
    code_sets: dict
    modifiers: dict
    carc: dict
    rarc: dict
    payers: dict
    rules: list
    cases: list
    warnings: list = field(default_factory=list)
    positions: dict = field(default_factory=dict, repr=False)
    # what the ICD-10-CM code set does not say: dates a code is valid, codes its release lacks
    icd10cm_dates: dict = field(default_factory=dict, repr=False)
    # real denial pathways the KB does not decide (kb/tables/not_covered.yaml; docs/coverage.md)
    not_covered: dict = field(default_factory=dict, repr=False)
    ncci_pairs: list = field(default_factory=list)  # rows of kb/tables/ncci_pairs.yaml (any file's ncci_pairs)
    mue: list = field(default_factory=list)  # rows of kb/tables/mue.yaml (any file's mue)

    def __post_init__(self):
        self.aliases: dict[str, str] = {}
        self.class_members: dict[str, set] = {c: set() for c in self.drug_classes}
        self.ndc_index: dict[str, tuple] = {}
        for name, d in self.drugs.items():
            self.aliases[name.lower()] = name
            for a in d.get("aliases", []):
                self.aliases[a.lower()] = name
            for c in d.get("classes", []):
                self.class_members.setdefault(c, set()).add(name)
            for p in d.get("products", []):
                self.ndc_index[normalize_ndc(p["ndc"])] = (name, p)
        self.rules_by_id = {r.id: r for r in self.rules}
        # the profile that decides a claim whose payer the KB does not model (``for_payers_not_modelled``)
        fallbacks = sorted(pid for pid, p in self.payers.items() if p.raw.get("for_payers_not_modelled") is True)
        self.unmodelled_payer = self.payers[fallbacks[0]] if fallbacks else None
        self.finding_rules: dict[str, list] = {}
        for r in self.rules:
            if r.conclusion == "finding":
                self.finding_rules.setdefault(r.finding, []).append(r)
        self._sets: dict = {}
        self.broken_rules: dict = {}  # ids of rules that have errors (declared, not loaded)
        self.broken_findings: dict = {}

    def canonical_drug(self, name: str) -> str | None:
        """Generic name for a drug name or brand alias (case-insensitive), or None."""
        return self.aliases.get(str(name).strip().lower())

    def icd10_known(self, code: str) -> bool:
        """The code is in the ICD-10-CM code set (the package's release, or a KB ``icd10cm_dates``
        entry for a code that release does not have)."""
        from denialkb.engine.icd10 import code_set

        return code_set().is_code(code) or _dotted(str(code).upper().replace(".", "")) in self.icd10cm_dates

    def value_set(self, kind: str, name: str) -> ValueSet:
        """The :class:`ValueSet` of a code set or a drug class."""
        key = (kind, name)
        if key not in self._sets:
            if kind == "code_set":
                row = self.code_sets[name]
                items = [_dotted(c.replace(".", "")) for c in row.get("codes", ())]
                families = [_dotted(c.replace(".", "")) for c in row.get("families", ())]
                self._sets[key] = FamilySet(name, items, families, self.icd10_known) if families \
                    else ValueSet(name, items)
            else:
                self._sets[key] = ValueSet(name, sorted(self.class_members.get(name, ())))
        return self._sets[key]

    def findings(self) -> list[str]:
        return sorted(self.finding_rules)

    def drug_hint(self, name: str, choices=None) -> str:
        """A hint for a drug name that is not a KB drug id: the id of a brand/alias, or did-you-mean."""
        gen = self.canonical_drug(name)
        if gen and gen != name:
            return f"'{name}' is an alias of {gen}: use the KB drug id '{gen}'"
        return did_you_mean(name, self.drugs if choices is None else choices)

    def payer_setting_names(self) -> set:
        return {k for p in self.payers.values() for k in p.settings}

    def setting_values(self, key: str) -> list:
        """Every value payers give setting ``key`` (each entry of a dated setting), Nones left out."""
        out = []
        for p in self.payers.values():
            v = p.settings.get(key)
            out += [e["value"] for e in v] if is_dated(v) else [v]
        return [v for v in out if v is not None]

    def dosing_values(self, key: str) -> list:
        """Every value drugs give dosing parameter ``key`` (each entry of a dated value)."""
        out = []
        for d in self.drugs.values():
            if key in d.get("dosing", {}):
                v = d["dosing"][key]
                out += [e["value"] for e in v] if is_dated(v) else [v]
        return [v for v in out if v is not None]

    def dosing_keys(self) -> set:
        return {k for d in self.drugs.values() for k in d.get("dosing", {})}


def _dotted(code: str) -> str:
    """ICD-10-CM codes are stored with the dot after the third character (C50911 -> C50.911)."""
    star = code.endswith("*")
    c = code.rstrip("*")
    if len(c) > 3 and c[0].isalpha() and c[1].isdigit():
        c = c[:3] + "." + c[3:]
    return c + ("*" if star else "")


@lru_cache(maxsize=1)
def _kb_validator():
    text = resources.files("denialkb.engine").joinpath("schemas/kb.schema.json").read_text("utf-8")
    schema = json.loads(text)
    import jsonschema  # only when a file is refused by the compiled validator (engine/fastschema.py)

    cls = jsonschema.validators.validator_for(schema)
    checker = jsonschema.FormatChecker()

    @checker.checks("date", raises=ValueError)
    def _date(v):  # 'unknown' passes here; the schema's patterns say where it is allowed
        import datetime

        return not isinstance(v, str) or v == "unknown" or bool(datetime.date.fromisoformat(v))
    return cls(schema, format_checker=checker)


def kb_files(root: Path) -> list[Path]:
    """Every YAML file of a KB directory, in a stable order."""
    files = [p for p in root.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
             and not p.relative_to(root).as_posix().startswith(("cases/base/", "mappings/"))]
    # cases/base/ holds claim documents; mappings/ holds converter data (checked by the converters)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def kb_version(root: Path, files: list[Path]) -> str:
    """Content hash of the files that decide claims (golden cases excluded)."""
    h = hashlib.sha256()
    for p in files:
        rel = p.relative_to(root).as_posix()
        if rel.startswith("cases/"):
            continue
        h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


class _Collector:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.loaded: dict[str, Loaded] = {}

    def rel(self, path) -> str:
        try:
            return Path(path).relative_to(self.root.parent).as_posix()
        except ValueError:
            return str(path)

    def add(self, code, msg, file="", path=(), rule="", expected="", hint="", severity="error"):
        line = col = 0
        if file in self.loaded and path is not None:
            line, col = self.loaded[file].mark(path)
        self.problems.append(Problem(code, msg, file, line, col, "", rule, expected, hint, severity))


def load_kb(root: str | Path | None = None, *, strict: bool = True, cases: bool = True) -> KnowledgeBase:
    """Load and check the knowledge base in ``root`` (default: the shipped KB).

    ``cases=False`` skips the golden cases (they never decide a claim; ``check`` and
    ``audit`` do not need them, ``kb test`` does).

    Raises
    ------
    KBInvalidError
        With every problem of every file, when any error is found (``strict``).
    """
    kb, problems = check_kb(root, cases=cases)
    errors = [p for p in problems if p.severity == "error"]
    if errors and strict:
        raise KBInvalidError(problems)
    if kb is None:
        raise KBInvalidError(problems)
    kb.warnings = [p for p in problems if p.severity != "error"]
    return kb


def check_kb(root: str | Path | None = None, *, cases: bool = True) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Load the KB and return it (or None when unusable) with all problems found
    (without the golden cases of ``cases/`` when ``cases`` is false)."""
    root = Path(root) if root is not None else default_kb_dir()
    col = _Collector(root)
    if not root.is_dir():
        col.add("kb_parse_error", f"knowledge-base directory not found: {root}", str(root))
        return None, col.problems
    files = kb_files(root)
    if not files:
        col.add("kb_parse_error", "no YAML files in the knowledge-base directory", str(root),
                hint="a KB holds tables/, payers/, rules/ and cases/ folders of .yaml files")
        return None, col.problems
    tables = {k: {} for k in ("hcpcs", "drugs", "drug_classes", "code_sets", "icd10cm_dates", "not_covered", "modifiers",
                              "carc", "rarc")}
    row_tables: dict = {k: [] for k in ROW_TABLES}
    table_where: dict = {}
    payers: dict = {}
    raw_rules: list = []
    raw_cases: list = []
    declared_rules: dict = {}  # rule id -> file, for rules that could not be loaded
    declared_findings: dict = {}
    from denialkb.engine.fastschema import validator as _compiled

    fast_ok = _compiled("kb")
    for path in files:
        if not cases and path.relative_to(root).as_posix().startswith("cases/"):
            continue
        name = col.rel(path)
        try:
            loaded = load_document(path, "kb_parse_error")
        except LoadError as e:
            p = e.problem
            col.problems.append(Problem(p.code, p.message, name, p.line, p.col, expected=p.expected, hint=p.hint))
            continue
        loaded.file = name
        col.loaded[name] = loaded
        data = loaded.data
        if data is None:
            col.add("kb_schema_error", "file is empty", name, ())
            continue
        if not isinstance(data, dict):
            col.add("kb_schema_error", "expected a mapping of sections", name, (),
                    expected="sections: " + ", ".join(SECTIONS))
            continue
        errs, seen_paths = [], set()
        # the compiled validator accepts a valid file fast; a refused one gets jsonschema's located errors
        for err in (() if fast_ok(data) else _kb_validator().iter_errors(data)):  # one problem per place (a bad date fails pattern and format)
            if err.validator == "anyOf" and isinstance(err.instance, list) and err.context:
                # a list where a value or dated entries are allowed: report what is wrong in the entries
                inner = [e for e in err.context if e.absolute_path != err.absolute_path or e.validator != "type"]
                from jsonschema.exceptions import best_match

                err = best_match(inner or err.context)
            if tuple(err.absolute_path) not in seen_paths:
                seen_paths.add(tuple(err.absolute_path))
                errs.append(err)
        for err in errs:
            p = schema_problem(err, name, loaded.marks, "kb_schema_error")
            if err.validator == "anyOf":  # plain words instead of "not valid under any of the given schemas"
                found = type(err.instance).__name__.replace("dict", "mapping").replace("str", "text")
                p = Problem(p.code, f"found {err.instance!r}" if isinstance(err.instance, (int, float, str))
                            else f"found a {found}", name, p.line, p.col, place_of(tuple(err.absolute_path)),
                            expected=(err.schema or {}).get("x-expected", ""))
            rule = _rule_id_at(data, tuple(err.absolute_path))
            col.problems.append(Problem(p.code, f"{p.place}: {p.message}" if p.place else p.message,
                                        name, p.line, p.col, "", rule, p.expected, p.hint))
        if errs:
            # errors only inside some rules / cases: the file's other rules and cases still load
            paths = [tuple(e.absolute_path) for e in errs]
            only_items = all(len(p) >= 2 and p[0] in ("rules", "cases") and isinstance(p[1], int) for p in paths)
            # a broken rule still declares its rule and finding ids, so references to them elsewhere
            # (cases, other rules) are not reported as unknown: the schema error is the one cause
            for i, r in enumerate(data.get("rules") if isinstance(data.get("rules"), list) else []):
                if only_items and ("rules", i) not in {p[:2] for p in paths}:
                    continue
                if isinstance(r, dict) and isinstance(r.get("id"), str):
                    declared_rules.setdefault(r["id"], name)
                    concl = r.get("conclude")
                    if isinstance(concl, dict) and isinstance(concl.get("finding"), str):
                        declared_findings.setdefault(concl["finding"], name)
        if errs and only_items:
            bad = {p[:2] for p in paths}
            data = {k: ([x for i, x in enumerate(v) if (k, i) not in bad] if k in ("rules", "cases") else v)
                    for k, v in data.items()}
        elif errs:
            # keep what is still usable (tables, payers) so one mistake does not cascade into
            # "unknown payer/code" errors everywhere; rules and cases of a broken file are skipped
            data = {k: v for k, v in data.items() if k in tables or k == "payer"}
            data = {k: v for k, v in data.items()
                    if (k == "payer" and isinstance(v, dict) and isinstance(v.get("id"), str))
                    or (k in tables and isinstance(v, dict))}
            # a table row or a payer entry with a schema error is not usable either: it is left out
            # (its error is reported) rather than loaded with a value of the wrong type
            bad_at = {p[:3] for p in paths}
            if "payer" in data:
                data["payer"] = {"name": "", "settings": {}, **data["payer"]}
                if not isinstance(data["payer"]["settings"], dict):
                    data["payer"]["settings"] = {}
                for p in paths:
                    if len(p) >= 3 and p[:2] == ("payer", "settings"):
                        data["payer"]["settings"] = {k: v for k, v in data["payer"]["settings"].items() if k != p[2]}
                    elif len(p) >= 2 and p[0] == "payer" and p[1] not in ("id", "name", "settings"):
                        data["payer"] = {k: v for k, v in data["payer"].items() if k != p[1]}
                    elif len(p) >= 2 and p[:2] == ("payer", "name"):
                        data["payer"]["name"] = ""
                for t in ("prior_auth", "unit_limits", "step_therapy"):  # only well-formed rows
                    rows = data["payer"].get(t)
                    data["payer"][t] = [r for r in rows if isinstance(r, dict) and isinstance(r.get("code"), str)] \
                        if isinstance(rows, list) else []
            for sec in [k for k in data if k in tables]:
                data[sec] = {k: v for k, v in data[sec].items() if isinstance(v, dict)
                             and not any(b[:2] == (sec, k) for b in bad_at)}
        for section, value in data.items():
            if section in tables:
                for key, row in value.items():
                    if key in tables[section]:
                        col.add("kb_duplicate_id", f"{section} entry '{key}' is defined twice "
                                f"(also in {table_where[(section, key)]})", name, (section, key))
                        continue
                    tables[section][key] = row
                    table_where[(section, key)] = name
                    col_pos = loaded.mark((section, key))
                    row_pos = (name, col_pos)
                    table_where[(section, key, "pos")] = row_pos
            elif section in ROW_TABLES:
                for i, row in enumerate(value):
                    row_tables[section].append({**row, "_where": (name, (section, i))})
            elif section == "payer":
                pid = value["id"]
                if pid in payers:
                    col.add("kb_duplicate_id", f"payer '{pid}' is defined twice (also in {payers[pid].file})",
                            name, ("payer", "id"))
                    continue
                if value.get("for_payers_not_modelled") is True:
                    other = [p.id for p in payers.values() if p.raw.get("for_payers_not_modelled") is True]
                    if other:
                        col.add("kb_duplicate_id", f"payer '{pid}' and payer '{other[0]}' both say "
                                "for_payers_not_modelled: true; one profile may decide the payers the KB does not "
                                "model", name, ("payer", "for_payers_not_modelled"))
                payers[pid] = Payer(pid, value["name"], value.get("settings", {}), value.get("prior_auth", []),
                                    value.get("unit_limits", []), value.get("step_therapy", []), name, value)
            elif section == "rules":
                for i, r in enumerate(value):
                    raw_rules.append((name, ("rules", i), r))
            elif section == "cases":
                for i, c in enumerate(value):
                    raw_cases.append((name, ("cases", i), c))
    # rules
    rules: list[Rule] = []
    seen: dict = {}
    for order, (fname, path, r) in enumerate(raw_rules):
        rid = r["id"]
        if rid in seen:
            col.add("kb_duplicate_id", f"rule id '{rid}' is used twice (also at {seen[rid]})", fname,
                    path + ("id",), rid)
            continue
        line, c = col.loaded[fname].mark(path)
        seen[rid] = f"{fname}:{line}"
        try:
            when = parse_condition(r["when"], path + ("when",))
        except ConditionSyntaxError as e:
            col.add("kb_schema_error", e.message, fname, e.path, rid, e.expected, e.hint)
            declared_rules.setdefault(rid, fname)
            if "finding" in r["conclude"]:
                declared_findings.setdefault(r["conclude"]["finding"], fname)
            continue
        concl = "finding" if "finding" in r["conclude"] else "denial"
        rules.append(Rule(rid, r["title"], r["level"], r.get("scope", {}), when, concl,
                          r["conclude"].get("finding"), r["conclude"].get("denial"), r["explanation"],
                          r["remedy"], r["sources"], r["confidence"], fname, line, c, order, r))
    cases = []
    seen_cases: dict = {}
    for fname, path, c in raw_cases:
        line, cc = col.loaded[fname].mark(path)
        if c["id"] in seen_cases:
            col.add("kb_duplicate_id", f"case id '{c['id']}' is used twice (also at {seen_cases[c['id']]})",
                    fname, path + ("id",))
            continue
        seen_cases[c["id"]] = f"{fname}:{line}"
        cases.append(Case(c["id"], c, fname, line, cc))
    kb = KnowledgeBase(root, kb_version(root, files), [col.rel(f) for f in files], tables["hcpcs"],
                       tables["drugs"], tables["drug_classes"], tables["code_sets"], tables["modifiers"],
                       tables["carc"], tables["rarc"], payers, rules, cases)
    kb.positions = table_where
    kb.icd10cm_dates = tables["icd10cm_dates"]
    kb.not_covered = tables["not_covered"]
    kb.ncci_pairs, kb.mue = row_tables["ncci_pairs"], row_tables["mue"]
    _expand_class_scopes(kb, col)
    kb.broken_rules = declared_rules
    kb.broken_findings = declared_findings
    _check_references(kb, col)
    _check_row_tables(kb, col)
    from denialkb.engine.kbchecks import load_problems  # value bounds, typed payer settings

    col.problems += load_problems(kb, col.loaded)
    return kb, col.problems


NO_DRUG = "(no drug of the scoped classes)"  # a scope that names only empty classes matches no line


def _expand_class_scopes(kb: KnowledgeBase, col: _Collector) -> None:
    """``scope: {drug_classes: [...]}`` becomes the class members joined to ``scope.drugs`` (issue 13: HER2 rules
    keyed on a drug class, so a new drug is covered by joining the class). An unknown class is an error."""
    for r in kb.rules:
        classes = (r.scope or {}).get("drug_classes")
        if not classes:
            continue
        drugs = set(r.scope.get("drugs") or ())
        for j, c in enumerate(classes):
            if c not in kb.drug_classes:
                data = col.loaded[r.file].data if r.file in col.loaded else {}
                idx = next((i for i, x in enumerate(data.get("rules") or []) if isinstance(x, dict) and x.get("id") == r.id), None)
                path = ("rules", idx, "scope", "drug_classes", j) if idx is not None else None
                col.add("kb_unknown_ref", f"unknown drug class '{c}' in the rule's scope", r.file, path, r.id,
                        expected="a drug class of a drug_classes table", hint=did_you_mean(c, kb.drug_classes))
                continue
            drugs |= kb.class_members.get(c, set())
        r.scope = {**r.scope, "drugs": sorted(drugs) or [NO_DRUG]}


def _check_row_tables(kb: KnowledgeBase, col: _Collector) -> None:
    """Codes and payers named by ncci_pairs / mue rows must exist (a typo would silently disable the edit)."""
    for section, keys in (("ncci_pairs", ("column1", "column2", "instead")), ("mue", ("code",))):
        for row in getattr(kb, section):
            fname, path = row["_where"]
            for k in keys:
                code = row.get(k)
                if code is not None and code not in kb.hcpcs:
                    col.add("kb_unknown_ref", f"{section} row names code '{code}', which is in no hcpcs table",
                            fname, path + (k,), expected="a code of a hcpcs table", hint=did_you_mean(code, kb.hcpcs))
            for j, pid in enumerate(row.get("payers") or ([row["payer"]] if row.get("payer") else [])):
                if pid not in kb.payers:
                    col.add("kb_unknown_ref", f"{section} row names payer '{pid}', which has no profile", fname,
                            path + (("payers", j) if row.get("payers") else ("payer",)), expected="a payer id",
                            hint=did_you_mean(pid, kb.payers))


def _rule_id_at(data: dict, path: tuple) -> str:
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        try:
            rid = data["rules"][path[1]].get("id", "")
            return rid if isinstance(rid, str) else ""
        except (IndexError, AttributeError):
            return ""
    return ""


def _check_references(kb: KnowledgeBase, col: _Collector) -> None:
    catalog = fact_catalog(kb)
    rule_path = {}
    for fname, ld in col.loaded.items():
        data = ld.data if isinstance(ld.data, dict) else {}
        for i, r in enumerate(data.get("rules", []) if isinstance(data.get("rules"), list) else []):
            if isinstance(r, dict) and isinstance(r.get("id"), str):
                rule_path.setdefault(r["id"], (fname, ("rules", i)))

    def add(rule, code, msg, sub=(), expected="", hint="", severity="error"):
        fname, base = rule_path.get(rule.id, (rule.file, ()))
        sub = tuple(sub)
        path = sub if base and sub[:len(base)] == base else base + sub  # condition paths start at the rule
        col.add(code, msg, fname, path, rule.id, expected, hint, severity)

    concluded = {r.finding for r in kb.rules if r.conclusion == "finding"}
    finding_level: dict = {}
    for r in kb.rules:
        if r.conclusion == "finding":
            if r.finding in kb.rules_by_id:
                add(r, "kb_duplicate_id", f"finding id '{r.finding}' is also a rule id", ("conclude", "finding"),
                    hint="give findings their own ids (rule ids name denials)")
            prev = finding_level.setdefault(r.finding, r.level)
            if prev != r.level:
                add(r, "kb_schema_error", f"finding '{r.finding}' is concluded at {r.level} level here "
                    f"and at {prev} level elsewhere", ("level",))
        else:
            d = r.denial
            if d["carc"] not in kb.carc:
                add(r, "kb_unknown_ref", f"unknown CARC '{d['carc']}'", ("conclude", "denial", "carc"),
                    expected="a CARC listed in the carc table", hint=did_you_mean(d["carc"], kb.carc))
            for j, rc in enumerate(d["rarc"]):
                if rc not in kb.rarc:
                    add(r, "kb_unknown_ref", f"unknown RARC '{rc}'", ("conclude", "denial", "rarc", j),
                        expected="a RARC listed in the rarc table", hint=did_you_mean(rc, kb.rarc))
        sc = r.scope
        for j, code in enumerate(sc.get("codes", [])):
            if code not in kb.hcpcs:
                add(r, "kb_unknown_ref", f"unknown code '{code}' in scope", ("scope", "codes", j),
                    hint=did_you_mean(code, kb.hcpcs))
        for j, drug in enumerate(sc.get("drugs", [])):
            if drug not in kb.drugs:
                add(r, "kb_unknown_ref", f"unknown drug '{drug}' in scope", ("scope", "drugs", j),
                    hint=kb.drug_hint(drug))
        for j, payer in enumerate(sc.get("payers", [])):
            if payer not in kb.payers:
                add(r, "kb_unknown_ref", f"unknown payer '{payer}' in scope", ("scope", "payers", j),
                    hint=did_you_mean(payer, kb.payers))
        if r.level == "claim" and (sc.get("codes") or sc.get("drugs")):
            add(r, "kb_schema_error", "scope codes/drugs need a line-level rule", ("scope",),
                hint="set 'level: line', or drop codes/drugs from the scope")
        for node in walk(r.when):
            if isinstance(node, FindingRef):
                if node.finding not in concluded and node.finding not in kb.broken_findings:
                    add(r, "kb_unknown_ref", f"no rule concludes finding '{node.finding}'", node.path[1:] if False else node.path,
                        hint=did_you_mean(node.finding, concluded))
            elif isinstance(node, Leaf):
                _check_leaf(kb, r, node, catalog, add)
        for name in TEMPLATE_RE.findall(r.explanation):
            if name not in catalog and not (r.level == "claim" and name.startswith("line.")):
                add(r, "kb_unknown_ref", f"explanation names unknown fact '{{{name}}}'", ("explanation",),
                    hint=did_you_mean(name, catalog))
            elif r.level == "claim" and name.startswith("line."):
                add(r, "kb_schema_error", f"explanation of a claim-level rule names line fact '{{{name}}}'",
                    ("explanation",))
    # a rule file that did not load would make every remittance row look dangling: report only the first cause
    rules_complete = not any(p.code in ("kb_parse_error", "kb_schema_error") for p in col.problems)
    # code sets name codes of the real ICD-10-CM code set (or codes the KB dates itself)
    if kb.code_sets:
        from denialkb.engine.icd10 import code_set, release

        cs = code_set()
        for name, row in kb.code_sets.items():
            fname = kb.positions.get(("code_sets", name), "")
            for key in ("codes", "families"):
                for j, code in enumerate(row.get(key, ()) or ()):
                    bare = str(code).rstrip("*")
                    # code sets also hold HCPCS codes and modifiers: only ICD-10-CM-shaped codes are checked
                    if key == "codes" and not _ICD_SHAPE.match(bare):
                        continue
                    if not (cs.is_code(bare) or _dotted(bare.replace(".", "")) in kb.icd10cm_dates):
                        rel = release()
                        col.add("kb_unknown_ref", f"code set '{name}': '{code}' is not an ICD-10-CM code "
                                f"({rel['package']} {rel['version']}, {rel['data']})", fname,
                                ("code_sets", name, key, j),
                                expected="a code of the ICD-10-CM tabular list, or one dated in icd10cm_dates",
                                hint="list the category (C50) under families: for a code and its descendants")
    for key, row in kb.not_covered.items():  # a not-covered pathway a rule now covers names existing rules
        for j, rid in enumerate(row.get("rules", []) or []):
            if rid not in kb.rules_by_id:
                col.add("kb_unknown_ref", f"not_covered '{key}' names '{rid}', which is not a rule",
                        kb.positions.get(("not_covered", key), ""), ("not_covered", key, "rules", j),
                        hint=did_you_mean(rid, kb.rules_by_id))
    # stage roles (clinical_review) are payer data: every payer must say where it enforces them
    roles = sorted({r.denial["stage"] for r in kb.rules if r.conclusion == "denial"} & set(STAGE_ROLES))
    for payer in kb.payers.values():
        for role in roles:
            if role not in (payer.raw.get("stages") or {}):
                users = [r.id for r in kb.rules if r.conclusion == "denial" and r.denial["stage"] == role]
                col.add("kb_schema_error",
                        f"payer '{payer.id}' does not say at which stage it applies '{role}' rules "
                        f"({len(users)} rules, e.g. {users[0]})", payer.file, ("payer", "stages"),
                        expected=f"stages: {{{role}: prior_authorization}} or {{{role}: medical_review}}")
    for payer in kb.payers.values():
        for i, row in enumerate(payer.raw.get("remittance", []) or []):
            where = ("payer", "remittance", i)
            for j, rid in enumerate(row.get("rules", []) if rules_complete else []):
                target = kb.rules_by_id.get(rid)
                if target is None or target.conclusion != "denial":
                    col.add("kb_unknown_ref", f"payer '{payer.id}' remittance names '{rid}', which is not a denial rule",
                            payer.file, where + ("rules", j), hint=did_you_mean(rid, kb.rules_by_id))
            if row.get("carc") is not None and row["carc"] not in kb.carc:
                col.add("kb_unknown_ref", f"unknown CARC '{row['carc']}'", payer.file, where + ("carc",),
                        expected="a CARC listed in the carc table", hint=did_you_mean(row["carc"], kb.carc))
            for j, rc in enumerate(row.get("rarc", []) or []):
                if rc not in kb.rarc:
                    col.add("kb_unknown_ref", f"unknown RARC '{rc}'", payer.file, where + ("rarc", j),
                            expected="a RARC listed in the rarc table", hint=did_you_mean(rc, kb.rarc))
    # cycles among findings: graphlib (stdlib) says whether there is one; networkx, slow to
    # import, only lists them (one per strongly connected component, engine/kbchecks.py)
    from graphlib import CycleError, TopologicalSorter

    edges = [(ref.finding, r.concludes, r.id) for r in kb.rules for ref in finding_refs(r.when)]
    deps: dict = {}
    for needed, concluded, _ in edges:
        deps.setdefault(concluded, set()).add(needed)
    try:
        TopologicalSorter(deps).prepare()
        return
    except CycleError:
        pass
    from denialkb.engine.kbchecks import cycle_problems

    for rid, cycle in cycle_problems(edges):
        add(kb.rules_by_id[rid], "kb_cycle", "findings depend on each other in a cycle: "
            + " -> ".join(cycle + [cycle[0]]), ("when",), hint="a finding cannot (even indirectly) depend on itself")


def _check_leaf(kb, r, leaf: Leaf, catalog: dict, add):
    for fact in leaf.facts():
        spec = catalog.get(fact)
        sub = leaf.path if fact == leaf.fact else leaf.path + (leaf.ref_key or "fact",)
        if spec is None:
            add(r, "kb_unknown_ref", f"unknown fact '{fact}'", sub, expected="a fact name from docs/facts.md",
                hint=did_you_mean(fact, catalog))
            return
        if r.level == "claim" and fact.startswith("line."):
            add(r, "kb_schema_error", f"claim-level rule uses line fact '{fact}'", sub,
                hint="make the rule 'level: line', or derive a line finding and match it")
    spec = catalog[leaf.fact]
    if spec.type == "list" and leaf.op not in LIST_OPS + PRESENCE_OPS:
        add(r, "kb_schema_error", f"'{leaf.op}' does not apply to list fact '{leaf.fact}'", leaf.path,
            expected="one of: " + ", ".join(LIST_OPS + PRESENCE_OPS))
    if spec.type != "list" and leaf.op in LIST_OPS:
        add(r, "kb_schema_error", f"'{leaf.op}' applies to list facts; '{leaf.fact}' is a {spec.type}",
            leaf.path, hint="use in / not_in for a single value")
    if leaf.ref and leaf.ref[0] == "code_set" and leaf.ref[1] not in kb.code_sets:
        add(r, "kb_unknown_ref", f"unknown code set '{leaf.ref[1]}'", leaf.path,
            hint=did_you_mean(leaf.ref[1], kb.code_sets))
    if leaf.ref and leaf.ref[0] == "drug_class" and leaf.ref[1] not in kb.drug_classes:
        add(r, "kb_unknown_ref", f"unknown drug class '{leaf.ref[1]}'", leaf.path,
            hint=did_you_mean(leaf.ref[1], kb.drug_classes))
    if leaf.ref is None and leaf.op not in PRESENCE_OPS:
        vals = leaf.operand if isinstance(leaf.operand, tuple) else (leaf.operand,)
        if leaf.op == "matches":
            return
        for v in vals:
            msg = _literal_problem(spec.type, v)
            if msg:
                add(r, "kb_schema_error", f"{leaf.fact}: {msg}", leaf.path)
                return
        if leaf.fact in ("line.code", "line.codes") or spec.type == "code":
            for v in vals:
                if v not in kb.hcpcs:
                    add(r, "kb_unknown_ref", f"unknown code '{v}'", leaf.path, hint=did_you_mean(v, kb.hcpcs))
        if spec.type == "drug" or spec.values == "drug":
            for v in vals:
                if v not in kb.drugs:
                    add(r, "kb_unknown_ref", f"unknown drug '{v}'", leaf.path, hint=kb.drug_hint(v))
        if spec.values and isinstance(spec.values, tuple):
            for v in vals:
                if v not in spec.values:
                    add(r, "kb_schema_error", f"{leaf.fact} is never '{v}'", leaf.path,
                        expected="one of: " + ", ".join(map(str, spec.values)), hint=did_you_mean(v, map(str, spec.values)))


def _literal_problem(typ: str, v) -> str:
    if typ in ("num", "int") and (isinstance(v, bool) or not isinstance(v, (int, float))):
        return f"expected a number, found {v!r}"
    if typ == "bool" and not isinstance(v, bool):
        return f"expected true or false, found {v!r}"
    if typ == "date" and not (isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v)):
        return f"expected an ISO date like 2024-03-15, found {v!r}"
    if typ in ("str", "code", "drug", "list") and not isinstance(v, str):
        return f"expected a string, found {v!r}"
    return ""
