"""Safe, bounded loading of YAML and JSON documents, keeping source positions.

Only PyYAML's safe constructors are used: no Python object tags, no code execution.
Anchors and aliases are refused (they are how "billion laughs" documents blow up),
and size, depth and node counts are bounded so absurd inputs fail fast with a message.
Every mapping key and sequence item keeps its ``line:col`` so errors can point at it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from denialkb.engine.errors import Problem

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 200_000


@dataclass
class Loaded:
    """A parsed document and the positions of its parts.

    ``marks`` maps a path tuple (keys and indexes) to ``(line, col)``, 1-based.
    """

    data: object
    marks: dict
    file: str

    def mark(self, path: tuple) -> tuple[int, int]:
        """Position of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (1, 1))


class LoadError(Exception):
    """The text is not a readable document; carries one :class:`Problem`."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.format())


def _problem(code, file, msg, line=0, col=0, expected="", hint=""):
    return LoadError(Problem(code=code, message=msg, file=file, line=line, col=col,
                             expected=expected, hint=hint))


def read_text(path: str | Path, code: str, max_bytes: int = MAX_BYTES) -> str:
    """Read a UTF-8 text file, refusing huge or binary files with a clear message."""
    p = Path(path)
    name = str(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise _problem(code, name, "file not found") from None
    except OSError as e:
        raise _problem(code, name, f"cannot read file: {e.strerror}") from None
    if p.is_dir():
        raise _problem(code, name, "is a directory, expected a file")
    if size > max_bytes:
        raise _problem(code, name, f"file is {size} bytes, larger than the {max_bytes} byte limit",
                       expected="one claim (or one KB file) per file, well under the limit")
    raw = p.read_bytes()
    return decode_text(raw, name, code)


def decode_text(raw: bytes, name: str, code: str) -> str:
    if b"\x00" in raw[:8192]:
        raise _problem(code, name, "file is binary (contains NUL bytes), expected YAML or JSON text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _problem(code, name, f"file is not UTF-8 text (byte {e.start})",
                       expected="a UTF-8 YAML or JSON text file") from None


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class _Builder:
    def __init__(self, file: str, code: str, max_depth: int, max_nodes: int):
        self.file = file
        self.code = code
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.nodes = 0
        self.marks: dict = {}
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node, path=(), depth=0):
        self.nodes += 1
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if self.nodes > self.max_nodes:
            raise _problem(self.code, self.file, f"document has more than {self.max_nodes} values",
                           line, col)
        if depth > self.max_depth:
            raise _problem(self.code, self.file, f"document is nested deeper than {self.max_depth} levels",
                           line, col)
        self.marks.setdefault(path, (line, col))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
            raise _problem(self.code, self.file, f"unsupported YAML tag '{node.tag}'", line, col,
                           hint="plain YAML data only; tags that construct objects are refused")
        if isinstance(node, yaml.MappingNode):
            out = {}
            for knode, vnode in node.value:
                if knode.tag == "tag:yaml.org,2002:merge":
                    raise _problem(self.code, self.file, "YAML merge keys ('<<') are not supported",
                                   knode.start_mark.line + 1, knode.start_mark.column + 1)
                key = self.build(knode, path + ("<key>",), depth + 1)
                if isinstance(key, (list, dict)):
                    raise _problem(self.code, self.file, "a mapping key must be a scalar",
                                   knode.start_mark.line + 1, knode.start_mark.column + 1)
                if key in out:
                    raise _problem(self.code, self.file, f"duplicate key '{key}'",
                                   knode.start_mark.line + 1, knode.start_mark.column + 1,
                                   hint="each key may appear once in a mapping")
                self.marks[path + (key,)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
                out[key] = self.build(vnode, path + (key,), depth + 1)
            self.marks.pop(path + ("<key>",), None)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # dates stay ISO strings; validators check them with a place
        if node.tag == "tag:yaml.org,2002:int" and not node.style and re.fullmatch(r"[-+]?0[0-7_]+", node.value):
            # YAML 1.1 reads 0131 as the octal number 89: a code with a leading zero must be quoted
            raise _problem(self.code, self.file, f"{node.value} would be read as the number "
                           f"{self.constructor.construct_object(node)} (a leading zero makes it octal)", line, col,
                           hint=f"codes are text: put it in quotes, \"{node.value}\"")
        try:
            return self.constructor.construct_object(node)
        except ValueError as e:  # e.g. a date like 2024-02-30
            # the value itself is not quoted: it may be patient data
            raise _problem(self.code, self.file, f"invalid value: {e}", line, col) from None


class _NoAliasComposer(yaml.SafeLoader):
    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _problem("", "", "", event.start_mark.line + 1, event.start_mark.column + 1)
        return super().compose_node(parent, index)


_CSafeLoader = getattr(yaml, "CSafeLoader", None)  # libyaml's parser, when PyYAML was built with it
_FALLBACK = object()
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _c_compose(text: str, max_depth: int):
    """Compose the node tree with libyaml (about 15x faster than pure Python), or return
    ``_FALLBACK`` when anything is off, so the pure loader decides and words the error.

    A first pass over libyaml's events bounds the nesting (its composer recurses in C, so an
    absurdly deep document would crash it) and refuses aliases (the pure path names their
    place). Characters the pure reader refuses also go to the pure path.
    """
    if _CSafeLoader is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return _FALLBACK
    loader = _CSafeLoader(text)
    try:
        depth = 0
        while True:
            event = loader.get_event()
            if event is None:
                break
            if isinstance(event, _OPEN):
                depth += 1
                if depth > max_depth:
                    return _FALLBACK
            elif isinstance(event, _CLOSE):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                return _FALLBACK
    except yaml.YAMLError:
        return _FALLBACK
    finally:
        loader.dispose()
    loader = _CSafeLoader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError:
        return _FALLBACK
    finally:
        loader.dispose()


def plain_yaml_error(problem: str, context: str) -> tuple[str, str]:
    """A YAML parser message in plain words, with the fix: ``(message, hint)``."""
    problem, context = problem.strip(), context.strip()
    if "'\\t'" in problem:  # the parser shows a tab as '\t'
        return ("a tab character is used for indentation or spacing; YAML allows only spaces",
                "replace each tab with spaces (2 per level, lined up with the lines above)")
    if "cannot start any token" in problem:
        ch = problem.split("'")[1] if "'" in problem else "this character"
        return (f"a value cannot start with '{ch}' unless it is quoted",
                f"put the value in quotes, e.g. \"{ch}...\"")
    if "mapping values are not allowed here" in problem:
        return ("a ':' followed by a space appears inside a value (or a key is indented too far)",
                "put a value that contains ': ' in quotes, or line the key up with the keys above it")
    if "quoted scalar" in context:
        return ("a quoted value is not closed", "add the closing quote (inside '...' write '' for a quote)")
    if "flow mapping" in context or "flow sequence" in context:
        opening, close = ("{", "}") if "mapping" in context else ("[", "]")
        return (f"a '{opening}...{close}' is not closed, or a comma is missing between its entries",
                f"close it with '{close}' on the same item and separate entries with commas")
    if "expected <block end>" in problem or "could not find expected ':'" in problem \
            or "did not find expected" in problem:
        return ("this line is indented differently from the lines around it, or a ':' is missing, or a "
                "quote inside a value ends it early",
                "line up keys of one mapping at the same column, start list items with '- ', and quote values "
                "that contain quotes or ': '")
    return (problem or context or "the file is not valid YAML", "")


def parse_yaml(text: str, file: str, code: str, max_depth: int = MAX_DEPTH,
               max_nodes: int = MAX_NODES) -> Loaded:
    """Parse one YAML document safely; raise :class:`LoadError` with a position.

    libyaml composes the document when it can (:func:`_c_compose`); anything it does not
    accept cleanly is parsed again by the pure-Python loader, which gives the located error.
    """
    node = _c_compose(text, max_depth)
    if node is _FALLBACK:
        node = _pure_compose(text, file, code, max_depth)
    if node is None:
        return Loaded(None, {}, file)
    b = _Builder(file, code, max_depth, max_nodes)
    try:
        data = b.build(node)
    except yaml.constructor.ConstructorError as e:
        m = e.problem_mark
        raise _problem(code, file, f"invalid value: {e.problem}", m.line + 1 if m else 0,
                       m.column + 1 if m else 0) from None
    return Loaded(data, b.marks, file)


def _pure_compose(text: str, file: str, code: str, max_depth: int):
    try:
        loader = _NoAliasComposer(text)
    except yaml.reader.ReaderError as e:  # a control character: the reader refuses it on construction
        line, col = _line_col(text, e.position) if isinstance(e.position, int) else (0, 0)
        raise _problem(code, file, f"invalid YAML: control character #x{e.character:04x} is not allowed"
                       if isinstance(e.character, int) else "invalid YAML: unreadable character", line, col,
                       expected="printable text") from None
    try:
        try:
            node = loader.get_single_node()
        except LoadError as e:
            p = e.problem
            raise _problem(code, file, "YAML anchors and aliases are not allowed", p.line, p.col,
                           hint="write the value out in full") from None
        except yaml.composer.ComposerError as e:
            m = e.problem_mark
            raise _problem(code, file, "expected a single YAML document, found several",
                           m.line + 1 if m else 0, m.column + 1 if m else 0) from None
        except yaml.MarkedYAMLError as e:
            m = e.problem_mark or e.context_mark
            msg, hint = plain_yaml_error(e.problem or "", e.context or "")
            raise _problem(code, file, f"invalid YAML: {msg}", m.line + 1 if m else 0,
                           m.column + 1 if m else 0, hint=hint) from None
        except yaml.YAMLError as e:
            raise _problem(code, file, f"invalid YAML: {e}") from None
        except RecursionError:
            raise _problem(code, file, f"document is nested deeper than {max_depth} levels") from None
    finally:
        loader.dispose()
    return node


def _depth(obj, limit, d=0):
    if d > limit:
        return True
    if isinstance(obj, dict):
        return any(_depth(v, limit, d + 1) for v in obj.values())
    if isinstance(obj, list):
        return any(_depth(v, limit, d + 1) for v in obj)
    return False


class _DuplicateKey(Exception):
    def __init__(self, key):
        self.key = key


def _unique_pairs(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


class _BadConstant(ValueError):
    pass


def _refuse_constant(name):
    raise _BadConstant(name)


MAX_INT_DIGITS = 30
# strings (skipped), the non-JSON constants and overlong integers, to locate them in the text
_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)|(-?[0-9]{' + str(MAX_INT_DIGITS + 1) + ",})")


def _parse_int(s: str):
    if len(s.lstrip("-")) > MAX_INT_DIGITS:
        raise _BadConstant("long")
    return int(s)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _locate_token(text: str, group: int) -> tuple[int, int]:
    for m in _TOKEN_RE.finditer(text):
        if m.group(group):
            return _line_col(text, m.start(group))
    return 0, 0


def _locate_duplicate(text: str, file: str, code: str, key: str) -> tuple[int, int]:
    """Where the duplicate key is: the YAML composer (JSON is flow YAML) knows exact positions."""
    try:
        parse_yaml(text, file, code, max_depth=MAX_DEPTH, max_nodes=MAX_NODES)
    except LoadError as e:
        if e.problem.message.startswith("duplicate key") and e.problem.line:
            return e.problem.line, e.problem.col
    needle = json.dumps(key)
    hits = [m.start() for m in re.finditer(re.escape(needle) + r"\s*:", text)]
    return _line_col(text, hits[1] if len(hits) > 1 else hits[0]) if hits else (0, 0)


def loads_json(text: str, file: str = "<input>", code: str = "claim_invalid",
               max_depth: int = MAX_DEPTH) -> object:
    """Parse strict JSON: duplicate keys, NaN/Infinity and integers over 30 digits are refused.

    Raises :class:`LoadError` with the ``line:col`` of the offending token.
    """
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_refuse_constant,
                          parse_int=_parse_int)
    except json.JSONDecodeError as e:
        raise _problem(code, file, f"invalid JSON: {e.msg}", e.lineno, e.colno) from None
    except _DuplicateKey as e:
        line, col = _locate_duplicate(text, file, code, e.key)
        raise _problem(code, file, f"duplicate key {json.dumps(e.key)}", line, col,
                       hint="each key may appear once in a mapping") from None
    except _BadConstant as e:
        if str(e) == "long":
            line, col = _locate_token(text, 2)
            raise _problem(code, file, f"a number has more than {MAX_INT_DIGITS} digits", line, col,
                           expected="a number within the field's range") from None
        line, col = _locate_token(text, 1)
        raise _problem(code, file, f"{e} is not a number JSON allows", line, col,
                       expected="a finite number") from None
    except RecursionError:
        raise _problem(code, file, f"document is nested deeper than {max_depth} levels") from None
    except ValueError as e:  # pragma: no cover - e.g. a float the C parser refuses
        raise _problem(code, file, f"invalid JSON: {type(e).__name__}") from None
    if _depth(data, max_depth):
        raise _problem(code, file, f"document is nested deeper than {max_depth} levels")
    return data


def parse_json(text: str, file: str, code: str, max_depth: int = MAX_DEPTH) -> Loaded:
    """Parse JSON strictly (see :func:`loads_json`); positions only for syntax errors."""
    return Loaded(loads_json(text, file, code, max_depth), {}, file)


def load_document(path: str | Path, code: str, max_bytes: int = MAX_BYTES) -> Loaded:
    """Load a YAML or JSON file (chosen by extension; ``.json`` is JSON, else YAML)."""
    text = read_text(path, code, max_bytes)
    return parse_text(text, str(path), code)


def parse_text(text: str, name: str, code: str) -> Loaded:
    if name.lower().endswith(".json"):
        return parse_json(text, name, code)
    return parse_yaml(text, name, code)
