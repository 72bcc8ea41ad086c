"""Workpaper sentences for evaluated conditions, generated from the condition and the fact
catalog's documentation (never per-rule text), e.g.

    the billed units (840) are greater than the units the record supports (420)
    the diagnoses the line points to (C79.81) include none of the breast cancer codes (C50*, C79.81)
    the HER2 test date is not recorded

A sentence states what the claim shows: the comparison as it came out (true, false or not
decidable), whatever the rule then makes of it (a ``not:`` in the rule is the rule's logic,
not a fact about the claim).
"""

from __future__ import annotations

import re

from denialkb.engine.conditions import ValueSet, format_value

# op -> (when the comparison holds, when it does not)
_WORDS = {
    "eq": ("is", "is not"), "ne": ("is not", "is"),
    "gt": ("is greater than", "is not greater than"), "ge": ("is at least", "is less than"),
    "lt": ("is less than", "is not less than"), "le": ("is at most", "is more than"),
    "in": ("is one of", "is not one of"), "not_in": ("is not one of", "is one of"),
    "contains": ("includes", "does not include"), "not_contains": ("does not include", "includes"),
    "any_in": ("includes one of", "includes none of"), "none_in": ("includes none of", "includes one of"),
    "all_in": ("includes only", "includes something other than"), "matches": ("matches", "does not match"),
    "exists": ("is recorded", "is not recorded"), "missing": ("is not recorded", "is recorded"),
}
_DATE_WORDS = {"gt": ("is after", "is not after"), "ge": ("is on or after", "is before"),
               "lt": ("is before", "is not before"), "le": ("is on or before", "is after")}
_PLURAL = {"is": "are", "is not": "are not", "includes": "include", "does not include": "do not include",
           "includes one of": "include one of", "includes none of": "include none of",
           "includes only": "include only", "includes something other than": "include something other than",
           "matches": "match", "does not match": "do not match", "is recorded": "are recorded",
           "is not recorded": "are not recorded"}


_ACRONYM = re.compile(r"\b(?:jz|jw|ndc|her2|lvef|ihc|ish|ebc|mbc|hcpcs)\b")


def noun(fact: str, catalog: dict) -> str:
    """A noun phrase for a fact from its catalog doc: 'Billed units.' -> 'the billed units'."""
    spec = catalog.get(fact)
    last = _ACRONYM.sub(lambda m: m.group(0).upper(), fact.rsplit(".", 1)[-1].replace("_", " "))
    if fact.startswith("line.dosing."):
        return f"the {last} of the line's drug (KB dosing)"
    if fact.startswith("payer.") and spec is not None and spec.doc.startswith("Payer setting"):
        return f"the payer's {last}"
    doc = spec.doc if spec is not None and spec.doc else last
    if spec is not None and isinstance(spec.values, tuple) and sum(v in doc for v in spec.values) >= 2:
        doc = last.replace("line ", "")  # the doc lists the values ('drug, administration or unlisted')
    doc = re.split(r"[;:]| \(absent| - ", doc, maxsplit=1)[0]
    doc = re.sub(r"\s*\([^)]*\)", "", doc)
    doc = re.sub(r"\s*\([^)]*$", "", doc).strip().rstrip(".")  # a parenthesis the split left open
    if len(doc) > 1 and doc[0].isupper() and not doc[1].isupper():
        doc = doc[0].lower() + doc[1:]
    doc = re.sub(r"^how many (?:of )?", "the number of ", doc, flags=re.I)  # 'How many of those pairs ...'
    if not doc.lower().startswith(("the ", "a ", "an ", "number ", "another ", "any ", "each ", "every ", "this ",
                                   "its ", "some ")):
        doc = "the " + doc
    return doc


def _plural(phrase: str) -> bool:
    bare = re.sub(r"^(the|a|an)\s+", "", phrase)
    first = re.split(r"\s+(?:of|on|for|that|which|in|from|with|the|to|a)\s+", bare)[0].split()[:2]
    return any(w.endswith("s") and not w.endswith(("ss", "us", "is", "'s")) for w in first)


def _operand(lf, catalog) -> str:
    if lf.required_fact:
        return f"{noun(lf.required_fact, catalog)} ({_value(lf.required)})"
    req = lf.required
    if isinstance(req, ValueSet):
        return f"the {req.name.replace('_', ' ')} codes ({', '.join(req.items)})"
    if isinstance(req, (list, tuple, set, frozenset)):
        items = [format_value(x) for x in req]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1] if items else "none"
    return _value(req)


def _value(v) -> str:
    return format_value(v)


def leaf_sentence(lf, catalog: dict) -> str:
    """The sentence for one evaluated leaf (a :class:`~denialkb.engine.conditions.LeafResult`)."""
    spec = catalog.get(lf.fact)
    subject = noun(lf.fact, catalog)
    plural = _plural(subject)
    op = lf.op
    words = _DATE_WORDS.get(op) if spec is not None and spec.type in ("date", "datetime") else None
    words = words or _WORDS.get(op, (op, f"not {op}"))
    if op in ("exists", "missing"):
        verb = words[0] if lf.result else words[1]
        present = lf.value is not None
        verb = "is recorded" if present else "is not recorded"
        if plural:
            verb = _PLURAL.get(verb, verb)
        return f"{subject} {verb}" + (f" ({_value(lf.value)})" if present and spec and spec.type != "bool" else "")
    if lf.value is None:
        return f"{subject} {'are' if plural else 'is'} not recorded"
    if spec is not None and spec.type == "bool" and op in ("eq", "ne") and isinstance(lf.required, bool) \
            and not lf.required_fact:
        return f"{subject}: {'yes' if lf.value else 'no'}"
    if lf.result is None:
        return f"{subject} ({_value(lf.value)}) cannot be compared with {_operand(lf, catalog)}"
    verb = words[0] if lf.result else words[1]
    if plural:
        verb = _PLURAL.get(verb, verb.replace("is ", "are ", 1) if verb.startswith("is ") else verb)
    return f"{subject} ({_value(lf.value)}) {verb} {_operand(lf, catalog)}"
