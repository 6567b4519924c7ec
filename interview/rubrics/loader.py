"""Read a rubric file into plain data, safely, remembering where each value was.

Untrusted files are refused before they can cost much: the size is checked before
parsing; the text must be UTF-8; libyaml composes the node tree, in which an alias is
the same node object met twice, so aliases (and with them "billion laughs") are refused
the first time one is met, before anything is expanded; only the plain YAML types are
built, so a tag such as ``!!python/object`` never constructs anything; duplicate keys,
which YAML would silently let the last one win, are errors. Pure: no Flask, no database.
"""

import contextlib
from dataclasses import dataclass

import yaml
from yaml.constructor import SafeConstructor

try:  # libyaml is about ten times faster than the pure-Python parser
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - wheels ship libyaml
    from yaml import SafeLoader as _Loader

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 12
# 30 competencies with every list full hold about 15,000 values; the shipped ones
# hold under 1,000. Counting stops a megabyte of tiny values from costing seconds.
MAX_VALUES = 20_000

Path = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_SCALARS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}
_TIMESTAMP = f"{_TAG}timestamp"
_MAP, _SEQ = f"{_TAG}map", f"{_TAG}seq"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rubric, with its place in the file."""

    path: Path
    message: str
    line: int | None = None
    competency: str | None = None

    def __str__(self) -> str:
        where = format_path(self.path) or "file"
        bits = [f"key {self.competency}"] if self.competency else []
        if self.line is not None:
            bits.append(f"line {self.line}")
        context = f" ({', '.join(bits)})" if bits else ""
        return f"{where}{context}: {self.message}"


class RubricFileError(Exception):
    """The file cannot be read as a rubric; ``problems`` says every reason found."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def format_path(path: Path) -> str:
    """Render ``("competencies", 2, "anchors")`` as ``competencies[2].anchors``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass
class Loaded:
    data: object
    lines: dict[Path, int]

    def line_of(self, path: Path) -> int | None:
        """The line of the value at ``path``, or of its nearest parent in the file."""
        for end in range(len(path), -1, -1):
            if (line := self.lines.get(tuple(path[:end]))) is not None:
                return line
        return None


def load(raw: bytes) -> Loaded:
    """Parse a rubric file's bytes; raise ``RubricFileError`` if it is not safe YAML."""
    if len(raw) > MAX_BYTES:
        raise _fail(
            f"the file is {len(raw):,} bytes; the limit is 1 MiB (1,048,576 bytes)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position "
            f"{exc.start}); save it as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise _fail("the file is not text: it contains NUL bytes")
    try:
        _check_shape(text)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RubricFileError(
            [Problem((), f"not valid YAML: {exc.problem or exc.context}", line)]
        ) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise _fail(f"not valid YAML: {exc}") from None
    if node is None:
        raise _fail("the file is empty")
    builder = _Builder()
    data = builder.build(node, (), 0)
    if builder.problems:
        raise RubricFileError(builder.problems)
    return Loaded(data, builder.lines)


def _check_shape(text: str) -> None:
    """Walk the parser's events to refuse deep nesting and aliases before composing.

    libyaml's parser keeps its own stack, but composing a node tree recurses once per
    level: a megabyte of ``[`` would overflow the C stack and kill the process.

    A parser may stop first with words of its own: before it yields the events of a
    run of ``[`` it reads ahead to where the run closes, and the libyaml in PyYAML
    6.0.4 gives up after 1,000 levels ("exceeded maximum nesting depth"). Walking
    the text up to where the parser stopped then finds what this walk would have met
    there, so a rubric nested too deeply gets the same answer whatever the parser's
    own limit (the parser's error stands if the walk finds nothing).
    """
    try:
        _walk(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None and 0 < mark.index < len(text):
            with contextlib.suppress(yaml.YAMLError):
                _walk(text[: mark.index])  # raises RubricFileError for what it meets
        raise


def _walk(text: str) -> None:
    """Count the parser's events: refuse too deep, too many values, and aliases."""
    depth = values = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.ScalarEvent):
            values += 1
            if values > MAX_VALUES:
                line = event.start_mark.line + 1
                raise _fail(
                    f"more than {MAX_VALUES:,} values: too many for a rubric", line
                )
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1
                raise _fail("nested too deeply for a rubric", line)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1
            message = "YAML aliases (*name) are not allowed; write the text out"
            raise RubricFileError([Problem((), message, line)])


def _fail(message: str, line: int | None = None) -> RubricFileError:
    return RubricFileError([Problem((), message, line)])


class _Builder:
    """Turn a node tree into dicts, lists and scalars, refusing what is unsafe."""

    def __init__(self):
        self.seen: set[int] = set()
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []
        self.scalars = SafeConstructor()

    def build(self, node, path: Path, depth: int, key_line=None, outer_line=None):
        """Build one node: ``key_line`` is the line of its key in a mapping, and
        ``outer_line`` that of the list holding it (an alias has no line of its own)."""
        if id(node) in self.seen:  # an alias: the same node met a second time
            message = "YAML aliases (*name) are not allowed; write the text out"
            raise RubricFileError([Problem(path, message, key_line or outer_line)])
        line = node.start_mark.line + 1
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise RubricFileError(
                [Problem(path, "nested too deeply for a rubric", line)]
            )
        # A field is found by its key: point there, not at where its block starts.
        self.lines[path] = key_line or line
        if node.tag == _MAP and isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if node.tag == _SEQ and isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, (*path, i), depth + 1, outer_line=line)
                for i, item in enumerate(node.value)
            ]
        if isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP:
            return node.value  # a date in a text field stays the text that was typed
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALARS:
            return self.scalars.construct_object(node)
        tag = node.tag.replace(_TAG, "!!")
        message = f"the tag {tag} is not allowed: use plain YAML values"
        self.problems.append(Problem(path, message, line))
        return None

    def _mapping(self, node, path: Path, depth: int) -> dict:
        result: dict = {}
        first_line: dict = {}
        for key_node, value_node in node.value:
            key = self.build(key_node, (*path, "<key>"), depth + 1)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                self.problems.append(
                    Problem(path, f"a key must be text, not {key!r}", key_line)
                )
                continue
            if key in result:
                self.problems.append(
                    Problem(
                        (*path, key),
                        f"duplicate key {key!r} (first at line {first_line[key]})",
                        key_line,
                    )
                )
                continue
            first_line[key] = key_line
            result[key] = self.build(
                value_node, (*path, key), depth + 1, key_line=key_line
            )
        self.lines.pop((*path, "<key>"), None)
        return result
