"""The small, safe condition language of rules, compiled to Python closures.

A condition is YAML data, never code:

* ``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}`` combine conditions;
* a leaf ``{fact: line.units, gt: {fact: line.expected_units}}`` compares one fact
  with a literal, another fact (``{fact: ...}``), a payer setting (``{setting: NAME}``,
  the same as ``{fact: payer.NAME}``: the value in force on the date), a code set
  (``{code_set: NAME}``) or a drug class (``{drug_class: NAME}``);
* ``{finding: ID}`` / ``{no_finding: ID}`` (top-level ``all`` only) match findings
  other rules derived; the compiler turns them into experta patterns.

Evaluation is three-valued: a comparison with an absent fact is *unknown* (``None``),
not false. ``all`` is false if any part is false, else unknown if any part is unknown;
``any`` is true if any part is true, else unknown if any part is unknown. Only
``exists`` / ``missing`` look at absence itself, so "absent" can be a reason for a
denial (``missing``) or leave a rule undetermined, as the rule author chooses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from denialkb.engine.safe_regex import PatternError, compile_pattern
from denialkb.engine.safe_regex import search as regex_search

SCALAR_OPS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "matches")
LIST_OPS = ("contains", "not_contains", "any_in", "none_in", "all_in")
PRESENCE_OPS = ("exists", "missing")
OPERATORS = SCALAR_OPS + LIST_OPS + PRESENCE_OPS
OPERAND_KINDS = ("fact", "setting", "code_set", "drug_class")
SYNONYMS = {"greater": "gt", "greater_than": "gt", "more_than": "gt", "less": "lt", "less_than": "lt",
            "equals": "eq", "equal": "eq", "is": "eq", "not_equal": "ne", "is_not": "ne", "at_least": "ge",
            "at_most": "le", "present": "exists", "absent": "missing", "regex": "matches", "has": "contains",
            "gte": "ge", "lte": "le", "geq": "ge", "leq": "le", "neq": "ne", "not_eq": "ne",
            "greater_or_equal": "ge", "less_or_equal": "le",
            ">": "gt", ">=": "ge", "=>": "ge", "<": "lt", "<=": "le", "=<": "le", "=": "eq", "==": "eq",
            "!=": "ne", "<>": "ne"}

OP_WORDS = {
    "eq": "is", "ne": "is not", "lt": "is less than", "le": "is at most",
    "gt": "is greater than", "ge": "is at least", "in": "is one of", "not_in": "is not one of",
    "matches": "matches", "contains": "includes", "not_contains": "does not include",
    "any_in": "includes one of", "none_in": "includes none of", "all_in": "includes only",
    "exists": "is present", "missing": "is absent",
}


class ValueSet:
    """Membership test for codes: exact values and ``PREFIX*`` patterns (e.g. ``C50*``)."""

    __slots__ = ("name", "exact", "prefixes", "items")

    def __init__(self, name: str, items):
        self.name = name
        self.items = tuple(items)
        self.exact = frozenset(i for i in self.items if not i.endswith("*"))
        self.prefixes = tuple(sorted(i[:-1] for i in self.items if i.endswith("*")))

    def __contains__(self, value) -> bool:
        if value in self.exact:
            return True
        if self.prefixes and isinstance(value, str):
            return value.startswith(self.prefixes)
        return False

    def __repr__(self):
        return f"{self.name} ({', '.join(self.items)})"


@dataclass
class Leaf:
    """One comparison. ``operand`` is a literal, or ``(kind, name)`` for a reference."""

    fact: str
    op: str
    operand: object = None
    ref: tuple | None = None  # ("fact", path) | ("code_set", name) | ("drug_class", name)
    path: tuple = ()  # where in the rule YAML (for error positions)
    ref_key: str = ""  # the operand's key as written ("fact", "setting", ...)

    def facts(self) -> list[str]:
        out = [self.fact]
        if self.ref and self.ref[0] == "fact":
            out.append(self.ref[1])
        return out

    def describe(self) -> str:
        """Plain English, e.g. ``line.units is greater than line.expected_units``."""
        word = OP_WORDS[self.op]
        if self.op in PRESENCE_OPS:
            return f"{self.fact} {word}"
        return f"{self.fact} {word} {self.describe_operand()}"

    def describe_operand(self) -> str:
        if self.ref:
            kind, name = self.ref
            return name if kind == "fact" else f"{kind.replace('_', ' ')} {name}"
        return format_value(self.operand)


@dataclass
class Node:
    """``all`` / ``any`` / ``not`` over child conditions."""

    kind: str
    children: list = field(default_factory=list)
    path: tuple = ()


@dataclass
class FindingRef:
    """A (negated) reference to a derived finding; compiled into an experta pattern."""

    finding: str
    negated: bool = False
    path: tuple = ()

    def describe(self) -> str:
        return f"{'no ' if self.negated else ''}finding {self.finding}"


def format_value(v) -> str:
    """Format a fact value for people: lists joined, booleans yes/no, None as 'absent'."""
    if v is None:
        return "absent"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".")
    if isinstance(v, (list, tuple, frozenset, set)):
        return ", ".join(format_value(x) for x in v) if v else "none"
    return str(v)


# --------------------------------------------------------------------------- parse

class ConditionSyntaxError(Exception):
    """A condition is not well formed. ``path`` locates it inside the rule YAML."""

    def __init__(self, message: str, path: tuple, expected: str = "", hint: str = ""):
        super().__init__(message)
        self.message, self.path, self.expected, self.hint = message, path, expected, hint


def parse_condition(data, path: tuple = (), top: bool = True):
    """Parse YAML data into :class:`Node` / :class:`Leaf` / :class:`FindingRef` objects.

    A list is shorthand for ``all``. Raises :class:`ConditionSyntaxError` (first problem
    only; the loader reports the problems of every rule).
    """
    from denialkb.engine.errors import did_you_mean

    if isinstance(data, list):
        if not data:  # an empty list would hold vacuously: a rule (or its 'not') silently always or never true
            raise ConditionSyntaxError("an empty list is not a condition", path,
                                       expected="a non-empty list of conditions (all of them must hold)")
        return Node("all", [parse_condition(c, path + (i,), top) for i, c in enumerate(data)], path)
    if not isinstance(data, dict) or not data:
        raise ConditionSyntaxError(f"expected a condition mapping, found {data!r}", path,
                                   expected="all / any / not, a fact comparison, or finding / no_finding")
    keys = set(data)
    for kind in ("all", "any"):
        if kind in keys:
            if len(keys) != 1:
                raise ConditionSyntaxError(f"'{kind}' cannot be combined with {sorted(keys - {kind})}", path)
            items = data[kind]
            if not isinstance(items, list) or not items:
                raise ConditionSyntaxError(f"'{kind}' takes a non-empty list of conditions", path + (kind,))
            return Node(kind, [parse_condition(c, path + (kind, i), top and kind == "all")
                               for i, c in enumerate(items)], path)
    if "not" in keys:
        if len(keys) != 1:
            raise ConditionSyntaxError(f"'not' cannot be combined with {sorted(keys - {'not'})}", path)
        return Node("not", [parse_condition(data["not"], path + ("not",), False)], path)
    if "finding" in keys or "no_finding" in keys:
        k = "finding" if "finding" in keys else "no_finding"
        if len(keys) != 1:
            raise ConditionSyntaxError(f"'{k}' stands alone in its condition", path)
        if not top:
            raise ConditionSyntaxError(f"'{k}' may only appear in the rule's top-level 'all'", path,
                                       hint="derive an intermediate finding with its own rule instead")
        if not isinstance(data[k], str):
            raise ConditionSyntaxError(f"'{k}' takes a finding id", path + (k,))
        return FindingRef(data[k], k == "no_finding", path)
    if "fact" not in keys:
        unknown = sorted(keys)[0]
        raise ConditionSyntaxError(
            f"unknown condition key '{unknown}'", path + (unknown,),
            expected="one of: all, any, not, fact, finding, no_finding",
            hint=did_you_mean(unknown, ["all", "any", "not", "fact", "finding", "no_finding"]))
    fact = data["fact"]
    if not isinstance(fact, str):
        raise ConditionSyntaxError("'fact' takes a fact name like line.units", path + ("fact",))
    ops = [k for k in keys if k != "fact"]
    if len(ops) != 1:
        raise ConditionSyntaxError(
            f"a comparison needs exactly one operator, found {len(ops)}" + (f" ({', '.join(sorted(ops))})" if ops else ""),
            path, expected="one of: " + ", ".join(OPERATORS))
    op = ops[0]
    if op not in OPERATORS:
        hint = f"did you mean '{SYNONYMS[op]}'?" if op in SYNONYMS else did_you_mean(op, OPERATORS)
        raise ConditionSyntaxError(f"unknown operator '{op}'", path + (op,),
                                   expected="one of: " + ", ".join(OPERATORS), hint=hint)
    raw = data[op]
    leaf = Leaf(fact, op, path=path + (op,))
    if op in PRESENCE_OPS:
        if raw is not True:
            raise ConditionSyntaxError(f"'{op}' takes the value true", path + (op,),
                                       hint=f"write '{op}: true' (use the other of exists/missing to negate)")
        return leaf
    if isinstance(raw, dict):
        if len(raw) != 1 or next(iter(raw)) not in OPERAND_KINDS:
            raise ConditionSyntaxError(f"operand of '{op}' must be a value, or one of {{fact: ...}}, "
                                       "{setting: ...}, {code_set: ...}, {drug_class: ...}", path + (op,))
        kind, name = next(iter(raw.items()))
        if not isinstance(name, str):
            raise ConditionSyntaxError(f"'{kind}' takes a name", path + (op, kind))
        leaf.ref_key = kind
        if kind == "setting":  # a payer setting is the fact payer.<name> (resolved on the date)
            kind, name = "fact", "payer." + name
        leaf.ref = (kind, name)
        return leaf
    if op == "matches":
        if not isinstance(raw, str) or len(raw) > 200:
            raise ConditionSyntaxError("'matches' takes a regular expression string (at most 200 characters)",
                                       path + (op,))
        try:
            compile_pattern(raw)  # RE2: linear-time matching, no catastrophic backtracking
        except PatternError as e:
            raise ConditionSyntaxError(f"invalid regular expression: {e}", path + (op,),
                                       hint="patterns use RE2 syntax: no back-references or look-around") from None
    if op in ("in", "not_in", "any_in", "none_in", "all_in") and not isinstance(raw, list):
        raise ConditionSyntaxError(f"'{op}' takes a list, a code_set or a drug_class", path + (op,))
    leaf.operand = tuple(raw) if isinstance(raw, list) else raw
    return leaf


def walk(cond):
    """Yield every node, leaf and finding reference of a condition tree."""
    yield cond
    if isinstance(cond, Node):
        for c in cond.children:
            yield from walk(c)


def leaves(cond) -> list[Leaf]:
    return [c for c in walk(cond) if isinstance(c, Leaf)]


def finding_refs(cond) -> list[FindingRef]:
    return [c for c in walk(cond) if isinstance(c, FindingRef)]


def strip_findings(cond):
    """The condition without its finding references (they become experta patterns)."""
    if isinstance(cond, FindingRef):
        return None
    if isinstance(cond, Node):
        kids = [k for k in (strip_findings(c) for c in cond.children) if k is not None]
        if not kids:
            return None
        return Node(cond.kind, kids, cond.path)
    return cond


# --------------------------------------------------------------------------- compile

def _getter(path: str, line_level: bool):
    if path.startswith("line.") and line_level:
        return lambda c, ln: ln.get(path)
    if path.startswith("payer.") and line_level:
        # a dated payer setting is resolved on each line's date; the line carries it
        return lambda c, ln: ln[path] if path in ln else c.get(path)
    return lambda c, ln: c.get(path)


def _cmp(op):
    return {
        "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
        "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
        "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b,
    }[op]


def compile_condition(cond, resolve_set, line_level: bool = True):
    """Compile a parsed condition into ``f(claim_facts, line_facts) -> True|False|None``.

    ``resolve_set(kind, name)`` returns a :class:`ValueSet` for code sets and drug classes.
    """
    if cond is None:
        return lambda c, ln: True
    if isinstance(cond, Node):
        parts = [compile_condition(k, resolve_set, line_level) for k in cond.children]
        if cond.kind == "all":
            def f_all(c, ln, parts=parts):
                unknown = False
                for p in parts:
                    r = p(c, ln)
                    if r is False:
                        return False
                    if r is None:
                        unknown = True
                return None if unknown else True
            return f_all
        if cond.kind == "any":
            def f_any(c, ln, parts=parts):
                unknown = False
                for p in parts:
                    r = p(c, ln)
                    if r is True:
                        return True
                    if r is None:
                        unknown = True
                return None if unknown else False
            return f_any
        inner = parts[0]

        def f_not(c, ln):
            r = inner(c, ln)
            return None if r is None else not r
        return f_not
    if isinstance(cond, FindingRef):  # pragma: no cover - stripped before compiling
        raise TypeError("finding references are compiled as patterns")
    return _compile_leaf(cond, resolve_set, line_level)


def _compile_leaf(leaf: Leaf, resolve_set, line_level):
    get = _getter(leaf.fact, line_level)
    op = leaf.op
    if op == "exists":
        return lambda c, ln: get(c, ln) is not None
    if op == "missing":
        return lambda c, ln: get(c, ln) is None
    if leaf.ref and leaf.ref[0] == "fact":
        other = _getter(leaf.ref[1], line_level)
    elif leaf.ref:
        vs = resolve_set(*leaf.ref)
        other = lambda c, ln: vs  # noqa: E731
    else:
        lit = leaf.operand
        if op in ("in", "not_in", "any_in", "none_in", "all_in"):
            lit = ValueSet("list", [str(x) for x in lit]) if all(isinstance(x, str) for x in lit) \
                else frozenset(lit)
        if op == "matches":
            lit = compile_pattern(lit)
        other = lambda c, ln: lit  # noqa: E731

    if op in ("eq", "ne", "lt", "le", "gt", "ge"):
        cmp = _cmp(op)

        def f_cmp(c, ln):
            a = get(c, ln)
            if a is None:
                return None
            b = other(c, ln)
            if b is None:
                return None
            try:
                return cmp(a, b)
            except TypeError:
                return None
        return f_cmp

    def membership(a, s):
        return a in s

    if op in ("in", "not_in"):
        want = op == "in"

        def f_in(c, ln):
            a = get(c, ln)
            s = other(c, ln)
            if a is None or s is None:
                return None
            return membership(a, s) is want
        return f_in
    if op == "matches":
        def f_match(c, ln):
            a = get(c, ln)
            return None if a is None else regex_search(other(c, ln), a)
        return f_match
    if op in ("contains", "not_contains"):
        want = op == "contains"

        def f_contains(c, ln):
            a = get(c, ln)
            b = other(c, ln)
            if a is None or b is None:
                return None
            return (b in a) is want
        return f_contains

    def f_set(c, ln):
        a = get(c, ln)
        s = other(c, ln)
        if a is None or s is None:
            return None
        hits = [x in s for x in a]
        if op == "any_in":
            return any(hits)
        if op == "none_in":
            return not any(hits)
        return all(hits)
    return f_set


# --------------------------------------------------------------------------- explain

@dataclass(frozen=True)
class LeafResult:
    """How one leaf evaluated on a claim: its value, what it was compared with, and the result."""

    fact: str
    op: str
    value: object
    required: object
    required_fact: str | None
    result: bool | None
    text: str

    def to_dict(self) -> dict:
        d = {"fact": self.fact, "value": _plain(self.value), "condition": self.condition_text(),
             "result": self.result}
        if self.required_fact:
            d["compared_with"] = {"fact": self.required_fact, "value": _plain(self.required)}
        return d

    def condition_text(self) -> str:
        if self.op in PRESENCE_OPS:
            return self.op
        if self.required_fact:
            return f"{self.op} {self.required_fact}"
        req = self.required
        # as written in rule YAML: booleans are true/false here (format_value says yes/no for prose)
        return f"{self.op} {'true' if req is True else 'false' if req is False else format_value(req)}"


def _plain(v):
    if isinstance(v, (tuple, frozenset, set)):
        return [_plain(x) for x in v]
    if isinstance(v, ValueSet):
        return list(v.items)
    return v


def unmet_count(cond, claim_facts: dict, line_facts: dict, resolve_set, line_level=True, negated=False) -> int:
    """How many leaves of ``cond`` would have to change for it to hold: a leaf that does not hold (false or
    unknown) counts 1, ``all`` sums its parts and ``any`` takes its cheapest part (swapped under ``not``)."""
    if isinstance(cond, FindingRef) or cond is None:
        return 0
    if isinstance(cond, Leaf):
        r = _compile_leaf(cond, resolve_set, line_level)(claim_facts, line_facts)
        return 0 if r is (not negated) else 1
    if cond.kind == "not":
        return unmet_count(cond.children[0], claim_facts, line_facts, resolve_set, line_level, not negated)
    parts = [unmet_count(k, claim_facts, line_facts, resolve_set, line_level, negated) for k in cond.children]
    if not parts:
        return 0
    return sum(parts) if (cond.kind == "all") != negated else min(parts)


def explain_condition(cond, claim_facts: dict, line_facts: dict, resolve_set, line_level=True,
                      negated=False, full=False) -> tuple[bool | None, list[LeafResult]]:
    """Evaluate ``cond`` and return ``(result, leaves that decided it)``.

    For a true ``all`` every leaf is returned; for a true ``any`` only the true branches;
    for a false result, the parts that made it false (``why not``). With ``full=True``
    every leaf is returned, whatever decided the result (why-not and fix queries).
    """
    if isinstance(cond, FindingRef) or cond is None:
        return True, []
    if isinstance(cond, Leaf):
        f = _compile_leaf(cond, resolve_set, line_level)
        r = f(claim_facts, line_facts)
        get = _getter(cond.fact, line_level)
        value = get(claim_facts, line_facts)
        if cond.ref and cond.ref[0] == "fact":
            req = _getter(cond.ref[1], line_level)(claim_facts, line_facts)
            req_fact = cond.ref[1]
        elif cond.ref:
            req, req_fact = resolve_set(*cond.ref), None
        else:
            req, req_fact = cond.operand, None
        text = cond.describe()
        if negated:
            text = "not: " + text
        return r, [LeafResult(cond.fact, cond.op, value, req, req_fact, r, text)]
    results = [explain_condition(k, claim_facts, line_facts, resolve_set, line_level,
                                 negated ^ (cond.kind == "not"), full) for k in cond.children]
    if cond.kind == "not":
        r, lv = results[0]
        return (None if r is None else not r), lv
    vals = [r for r, _ in results]
    if cond.kind == "all":
        overall = False if False in vals else (None if None in vals else True)
        keep = {True: (True,), False: (False,), None: (None,)}[overall]
    else:
        overall = True if True in vals else (None if None in vals else False)
        keep = {True: (True,), False: (False,), None: (None,)}[overall]
    out: list[LeafResult] = []
    # ``full`` shows every leaf, except the alternatives of an ``any`` that holds: they decided nothing
    show_all = full and not (cond.kind == "any" and overall is True)
    for r, lv in results:
        if show_all or r in keep:
            out.extend(lv)
    return overall, out
