"""JSONPath filter expressions (``[?(...)]``), read as Jayway's ``FilterCompiler`` reads them.

Step Functions evaluates paths with Jayway; ``jsonpath_filter_eval`` says what a filter means, and
the decision note 2026-12-05-jsonpath-filters lists the edges and what is left out. The grammar::

    filter     = '[' '?' '(' or ')' ']'
    or         = and { '||' and }
    and        = operand { '&&' operand }
    operand    = '!' operand | '(' or ')' | comparison
    comparison = value [ operator value ]          no operator: the path must exist
    value      = ['!'] path | 'text' | "text" | number | true | false | null
               | [list] | {object} | /regex/flags
    operator   = == != < <= > >= =~ in nin         in and nin in any letter case

A path starts with ``@`` (the item) or ``$`` (the document) and runs to a space, one of
``<>=~!`` or ``)``; it must be definite. ``!`` before a path makes an existence check an absence
check (before a compared path it is ignored, as in Jayway). Only spaces are blanks.

``parse_filter`` raises ``FilterSyntaxError`` saying what is wrong and its position in the path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from ordermesh_platform.sfn.jsonpath_filter_eval import (
    JSON,
    NUM,
    OPERATORS,
    REGEX,
    STR,
    AllOf,
    AnyOf,
    Compare,
    Exists,
    Expression,
    Filter,
    Literal,
    Node,
    Not,
    PathOperand,
    Resolver,
    Test,
    big_decimal,
    node,
)

CompilePath = Callable[[str, int], Resolver]  # (path text, its position) -> its resolver

_OPERATOR_CHARS: Final = frozenset("<>=~!")
_QUOTES: Final = frozenset("'\"")
_WHAT_IS_OPEN: Final = {"'": "String literal", '"': "String literal", "/": "Regular expression"}
_NUMBER_CHARS: Final = frozenset("0123456789-.eE")
_ESCAPE: Final = re.compile(r"\\(u(?:[0-9a-fA-F]{4})?|.)", re.DOTALL)
_ESCAPED: Final = {"r": "\r", "f": "\f", "t": "\t", "n": "\n", "b": "\b"}
_REGEX_FLAGS: Final = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
_LITERAL_TOKEN: Final = re.compile(
    r"""[ \t\r\n]*(?:(?P<punct>[\[\]{}:,])|(?P<text>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")"""
    r"""|(?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<word>[A-Za-z_$][\w$]*))"""
)
_WORDS: Final = {"true": True, "false": False, "null": None}


class FilterSyntaxError(ValueError):
    """A filter that cannot be parsed: the message says what is wrong and where."""


# --- the parser (FilterCompiler) ---------------------------------------------------------------


def _skip(text: str, index: int, end: int | None = None) -> int:
    end = len(text) if end is None else end
    while index < end and text[index] == " ":
        index += 1
    return index


def _unescaped(text: str, start: int, char: str, end: int) -> int:
    """The index of the next ``char`` after ``start`` that no backslash escapes, or -1."""
    index = start + 1
    while index < end:
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == char:
            return index
        index += 1
    return -1


def _matching(text: str, start: int, end: int, *, skip_regex: bool) -> int:
    """The index closing the bracket at ``start`` (strings, and regexes if asked, skipped)."""
    opener = text[start]
    closer = {"(": ")", "[": "]", "{": "}"}[opener]
    depth = 0
    index = start
    while index < end:
        char = text[index]
        if char in _QUOTES or (skip_regex and char == "/"):
            close = _unescaped(text, index, char, end)
            if close < 0:
                raise FilterSyntaxError(f"{_WHAT_IS_OPEN[char]} is not closed at position {index}")
            index = close
        elif char == opener:
            depth += 1
        elif char == closer:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def _unescape(raw: str, position: int) -> str:
    """A string literal's text as Jayway's ``Utils.unescape`` reads it."""

    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape.startswith("u") and len(escape) == 5:  # noqa: PLR2004 - u and four hex digits
            return chr(int(escape[1:], 16))
        if escape == "u":
            raise FilterSyntaxError(f"Invalid \\u escape in the string at position {position}")
        return _ESCAPED.get(escape, escape)

    return _ESCAPE.sub(replace, raw)


def _json_literal(source: str) -> Any:
    """A list or object literal, read leniently like json-smart: quotes ' or ", bare keys."""
    tokens: list[tuple[str, str]] = []
    index = 0
    while index < len(source):
        match = _LITERAL_TOKEN.match(source, index)
        if match is None or match.lastgroup is None:
            raise ValueError(source[index:])
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        index = match.end()
    tokens.reverse()
    value = _json_value(tokens)
    if tokens:
        raise ValueError(tokens)
    return value


def _json_value(tokens: list[tuple[str, str]]) -> Any:
    kind, text = tokens.pop()
    if kind == "text":
        return _unescape(text[1:-1], 0)
    if kind == "number":
        return float(text) if any(char in text for char in ".eE") else int(text)
    if kind == "word" and text in _WORDS:
        return _WORDS[text]
    if text == "[":
        return _json_items(tokens, "]", lambda: _json_value(tokens))
    if text == "{":
        return dict(_json_items(tokens, "}", lambda: _json_entry(tokens)))
    raise ValueError(text)


def _json_entry(tokens: list[tuple[str, str]]) -> tuple[str, Any]:
    kind, key = tokens.pop()
    if kind not in {"text", "word"} or tokens.pop()[1] != ":":
        raise ValueError(key)
    return (_unescape(key[1:-1], 0) if kind == "text" else key), _json_value(tokens)


def _json_items(tokens: list[tuple[str, str]], closer: str, read: Callable[[], Any]) -> list[Any]:
    """Items up to ``closer``, separated by commas (no trailing comma)."""
    items: list[Any] = []
    while tokens[-1][1] != closer:
        items.append(read())
        if tokens[-1][1] == ",":
            tokens.pop()
            if tokens[-1][1] == closer:
                raise ValueError(closer)
        elif tokens[-1][1] != closer:
            raise ValueError(tokens[-1])
    tokens.pop()
    return items


class _Parser:
    """Reads the expression between the filter's parentheses, ``text[start:end]``."""

    def __init__(self, text: str, start: int, end: int, compile_path: CompilePath) -> None:
        self.text = text
        self.pos = start
        self.end = end
        self.compile_path = compile_path

    def fail(self, what: str, position: int | None = None) -> FilterSyntaxError:
        return FilterSyntaxError(f"{what} at position {self.pos if position is None else position}")

    def peek(self) -> str:
        """The next significant character ('' at the end)."""
        self.pos = _skip(self.text, self.pos, self.end)
        return self.text[self.pos] if self.pos < self.end else ""

    def take(self, word: str) -> bool:
        self.peek()
        if self.text.startswith(word, self.pos) and self.pos + len(word) <= self.end:
            self.pos += len(word)
            return True
        return False

    def path_follows(self, index: int) -> bool:
        index = _skip(self.text, index, self.end)
        return index < self.end and self.text[index] in "@$"

    def parse(self) -> Expression:
        expression = self.logical_or()
        if self.peek():
            raise self.fail(f"Unexpected text '{self.text[self.pos : self.end]}'")
        return expression

    def logical_or(self) -> Expression:
        parts = [self.logical_and()]
        while self.take("||"):
            parts.append(self.logical_and())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def logical_and(self) -> Expression:
        parts = [self.operand()]
        while self.take("&&"):
            parts.append(self.operand())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def operand(self) -> Expression:
        char = self.peek()
        if char == "!" and not self.path_follows(self.pos + 1):
            self.pos += 1
            return Not(self.operand())
        if char == "(":
            self.pos += 1
            inner = self.logical_or()
            if self.peek() != ")":
                raise self.fail("Expected ')'")
            self.pos += 1
            return inner
        return self.comparison()

    def comparison(self) -> Expression:
        start = _skip(self.text, self.pos, self.end)
        left = self.value()
        test = self.operator()
        if test is not None:
            return Compare(left, test, self.value())
        if isinstance(left, Literal):
            raise self.fail("A literal must be compared with something", start)
        return Exists(left)

    def operator(self) -> Test | None:
        char = self.peek()
        if char in {"", ")"} or self.text.startswith(("&&", "||"), self.pos):
            return None
        start = self.pos
        if char in _OPERATOR_CHARS:  # a run of operator characters, else a word to the next space
            while self.pos < self.end and self.text[self.pos] in _OPERATOR_CHARS:
                self.pos += 1
        else:
            while self.pos < self.end and self.text[self.pos] != " ":
                self.pos += 1
        word = self.text[start : self.pos]
        test = OPERATORS.get(word.lower())
        if test is None:
            raise self.fail(f"Filter operator '{word}' is not supported", start)
        return test

    def value(self) -> Literal | PathOperand:
        char = self.peek()
        if char in {"@", "$"}:
            return self.path(negated=False)
        if char == "!":
            start = self.pos
            self.pos += 1
            if self.peek() in {"@", "$"}:
                return self.path(negated=True)
            raise self.fail("Unexpected character '!'", start)
        return Literal(self.literal())

    def path(self, *, negated: bool) -> PathOperand:
        start = self.pos
        self.pos += 1
        while self.pos < self.end:
            char = self.text[self.pos]
            if char == "[":
                close = _matching(self.text, self.pos, self.end, skip_regex=False)
                if close < 0:
                    raise self.fail("Square brackets do not match")
                self.pos = close + 1
                continue
            if char == "(":
                name = self.text[start : self.pos]
                raise self.fail(f"Path functions are not supported: '{name}()'", start)
            if char in _OPERATOR_CHARS or char in " )":
                break
            self.pos += 1
        text = self.text[start : self.pos]
        return PathOperand(text, self.compile_path(text, start), negated)

    def literal(self) -> Node:
        char = self.text[self.pos] if self.pos < self.end else ""
        if char in _QUOTES:
            return (STR, self.string(char))
        if char == "/":
            return (REGEX, self.regex())
        if char in {"[", "{"}:
            return (JSON, self.json())
        for word, value in _WORDS.items():
            if self.text.startswith(word, self.pos) and self.pos + len(word) <= self.end:
                self.pos += len(word)
                return node(value)
        return (NUM, self.number())

    def string(self, quote: str) -> str:
        start = self.pos
        close = _unescaped(self.text, start, quote, self.end)
        if close < 0:
            raise self.fail("String literal is not closed", start)
        self.pos = close + 1
        return _unescape(self.text[start + 1 : close], start)

    def regex(self) -> re.Pattern[str]:
        start = self.pos
        close = _unescaped(self.text, start, "/", self.end)
        if close < 0:
            raise self.fail("Regular expression is not closed", start)
        self.pos = close + 1
        while (
            self.pos < self.end and self.text[self.pos].isascii() and self.text[self.pos].isalpha()
        ):
            self.pos += 1
        letters = self.text[close + 1 : self.pos]
        flags = 0 if "u" in letters or "U" in letters else re.ASCII  # Java's classes are ASCII
        for letter in letters:
            flags |= _REGEX_FLAGS.get(letter, 0)
        try:
            return re.compile(self.text[start + 1 : close], flags)
        except re.error as err:
            source = self.text[start : self.pos]
            raise FilterSyntaxError(
                f"Invalid regular expression {source} at position {start}: {err.msg}"
            ) from None

    def json(self) -> Any:
        start = self.pos
        close = _matching(self.text, start, self.end, skip_regex=False)
        if close < 0:
            raise self.fail("List or object literal is not closed", start)
        self.pos = close + 1
        try:
            return _json_literal(self.text[start : close + 1])
        except (ValueError, IndexError):
            raise self.fail("Invalid list or object literal", start) from None

    def number(self) -> Decimal:
        start = self.pos
        while self.pos < self.end and self.text[self.pos] in _NUMBER_CHARS:
            self.pos += 1
        text = self.text[start : self.pos]
        if not text:
            raise self.fail(
                "Expected a value (a path, text, number, true, false, null, list or regex)"
            )
        number = big_decimal(text)
        if number is None:
            raise self.fail(f"Invalid number '{text}'", start)
        return number


def parse_filter(text: str, start: int, compile_path: CompilePath) -> tuple[Filter, int]:
    """Parse the filter whose ``[`` is at ``text[start]``; returns it and the index after its ``]``.

    ``compile_path`` turns each ``@...`` or ``$...`` path in it into a resolver.
    """
    question = _skip(text, start + 1)
    opening = _skip(text, question + 1) if text.startswith("?", question) else len(text)
    if not text.startswith("(", opening):
        raise FilterSyntaxError(f"Filter must have the form [?(<expression>)] at position {start}")
    closing = _matching(text, opening, len(text), skip_regex=True)
    if closing < 0:
        raise FilterSyntaxError(f"Filter is not closed: no ')' for the '(' at position {opening}")
    bracket = _skip(text, closing + 1)
    if not text.startswith("]", bracket):
        raise FilterSyntaxError(f"Expected ']' after the filter at position {bracket}")
    expression = _Parser(text, opening + 1, closing, compile_path).parse()
    return Filter(text[start : bracket + 1], expression), bracket + 1
