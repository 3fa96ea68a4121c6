"""Step Functions intrinsic functions (``States.*``): the parser.

``parse_intrinsic("States.Format('Hi {}', $.name)")`` gives a ``Call`` tree. Arguments are string
literals (``'It\\'s'``; ``\\'``, ``\\{``, ``\\}`` and ``\\\\`` are escapes), numbers,
``true``/``false``/``null``, paths (``$.x``, ``$$.Execution.Id``, ``$variable.x``) and nested
calls. A syntax error raises ``StatesError`` with ``States.IntrinsicFailure``. ``intrinsics``
evaluates the tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ordermesh_platform.sfn.errors import STATES_INTRINSIC_FAILURE, StatesError

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_FUNCTION_NAME = re.compile(r"States\.[A-Za-z0-9]+")


def _failure(cause: str) -> StatesError:
    return StatesError(STATES_INTRINSIC_FAILURE, cause)


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal argument; ``raw`` keeps a string literal's text with its escapes (for Format)."""

    value: Any
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class PathArg:
    """A path argument: ``$.x``, ``$$.Execution.Id`` or ``$variable``."""

    path: str


@dataclass(frozen=True, slots=True)
class Call:
    """A call ``States.Name(args...)``."""

    name: str
    args: tuple[Literal | PathArg | Call, ...]


Node = Literal | PathArg | Call


def _unescape(raw: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(raw):
        if raw[index] == "\\" and index + 1 < len(raw):
            index += 1
        out.append(raw[index])
        index += 1
    return "".join(out)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, detail: str) -> StatesError:
        return _failure(f"Invalid intrinsic function '{self.text}': {detail}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def parse(self) -> Call:
        self.skip_space()
        call = self.call()
        self.skip_space()
        if self.pos != len(self.text):
            raise self.fail(f"unexpected text at position {self.pos}")
        return call

    def call(self) -> Call:
        match = _FUNCTION_NAME.match(self.text, self.pos)
        if match is None:
            raise self.fail(f"expected a States.* function at position {self.pos}")
        self.pos = match.end()
        self.skip_space()
        if not self.text.startswith("(", self.pos):
            raise self.fail(f"expected '(' after {match.group()}")
        self.pos += 1
        args: list[Node] = []
        self.skip_space()
        if self.text.startswith(")", self.pos):
            self.pos += 1
            return Call(match.group(), ())
        while True:
            self.skip_space()
            args.append(self.argument())
            self.skip_space()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            if self.text.startswith(")", self.pos):
                self.pos += 1
                return Call(match.group(), tuple(args))
            raise self.fail(f"expected ',' or ')' at position {self.pos}")

    def argument(self) -> Node:
        text = self.text
        if self.pos >= len(text):
            raise self.fail("unexpected end of expression")
        char = text[self.pos]
        if char == "'":
            return self.string()
        if char == "$":
            return PathArg(self.path())
        if text.startswith("States.", self.pos):
            return self.call()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, self.pos):
                self.pos += len(word)
                return Literal(value)
        match = _NUMBER.match(text, self.pos)
        if match is not None:
            self.pos = match.end()
            number = match.group()
            if any(c in number for c in ".eE"):
                return Literal(float(number))
            return Literal(int(number))
        raise self.fail(f"unexpected character '{char}' at position {self.pos}")

    def string(self) -> Literal:
        text = self.text
        start = self.pos + 1
        index = start
        while index < len(text) and text[index] != "'":
            index += 2 if text[index] == "\\" else 1
        if index >= len(text):
            raise self.fail("unterminated string literal")
        raw = text[start:index]
        self.pos = index + 1
        return Literal(_unescape(raw), raw)

    def path(self) -> str:
        text = self.text
        start = self.pos
        depth = 0
        quote: str | None = None
        while self.pos < len(text):
            char = text[self.pos]
            if quote is not None:
                if char == quote:
                    quote = None
            elif char in {"'", '"'} and depth > 0:
                quote = char
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            elif depth == 0 and (char in ",)" or char.isspace()):
                break
            self.pos += 1
        return text[start : self.pos]


@lru_cache(maxsize=1024)
def parse_intrinsic(text: str) -> Call:
    """Parse ``States.Name(...)``; raises ``States.IntrinsicFailure`` on a syntax error."""
    return _Parser(text).parse()


def is_intrinsic(text: str) -> bool:
    """Whether a ``.$`` value is an intrinsic call (rather than a path)."""
    return text.lstrip().startswith("States.")
