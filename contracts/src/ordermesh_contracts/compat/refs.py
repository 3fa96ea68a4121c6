"""Schema nodes, JSON pointers and `$ref` resolution.

A `Node` is a schema value together with the document (`Root`) it lives in, so that local
references (``#/definitions/X``) resolve against the right document, also inside documents
loaded through a resolver for non-local references, and so that each document is read in its
dialect (see dialect.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from ordermesh_contracts.compat.dialect import Dialect, Question, Reading, declared
from ordermesh_contracts.compat.keywords import is_constraint

Resolver = Callable[[str], Mapping[str, Any]]

_MAX_HOPS = 64


def escape(token: str) -> str:
    """Escape one reference token per RFC 6901."""
    return token.replace("~", "~0").replace("/", "~1")


def join(pointer: str, *tokens: str | int) -> str:
    """Append tokens to a fragment pointer such as ``#/properties``."""
    return pointer + "".join("/" + escape(str(token)) for token in tokens)


def _unescape(token: str) -> str:
    return unquote(token).replace("~1", "/").replace("~0", "~")


@dataclass
class Loader:
    """The documents of non-local references, each fetched once."""

    resolver: Resolver | None = None
    documents: dict[str, tuple[bool, Any]] = field(default_factory=dict)

    def fetch(self, uri: str) -> tuple[bool, Any]:
        if uri not in self.documents:
            self.documents[uri] = (False, None)
            if self.resolver is not None:
                with suppress(KeyError, LookupError, OSError, ValueError):
                    self.documents[uri] = (True, self.resolver(uri))
        return self.documents[uri]


@dataclass
class Run:
    """What the documents of one comparison share: the loader, how it answers the questions
    their dialects leave open, and the documents loaded so far (by URI and the dialect they
    were referenced from)."""

    loader: Loader
    reading: Reading
    roots: dict[tuple[str, Dialect | None], Root] = field(default_factory=dict)


@dataclass(eq=False)
class Root:
    document: Any
    run: Run
    dialect: Dialect | None = None  # None: the document does not say

    @classmethod
    def of(cls, document: Any, run: Run, referrer: Dialect | None = None) -> Root:
        """A document, in the dialect its $schema names, else in its referrer's."""
        return cls(document, run, declared(document) or referrer)

    @property
    def base(self) -> str:
        if isinstance(self.document, Mapping):
            for key in ("$id", "id"):
                value = self.document.get(key)
                if isinstance(value, str):
                    return urldefrag(value).url
        return ""

    def ask(self, question: Question) -> bool:
        """How this document's dialect answers the question (the run's reading, where open)."""
        return self.run.reading.answer(self.dialect, question)

    def load(self, uri: str) -> Root | None:
        """The document a non-local reference points into, or None when it cannot be had."""
        if uri == self.base:
            return self
        key = (uri, self.dialect)
        if key not in self.run.roots:
            found, document = self.run.loader.fetch(uri)
            if not found:
                return None
            self.run.roots[key] = Root.of(document, self.run, self.dialect)
        return self.run.roots[key]


@dataclass(frozen=True, eq=False)
class Node:
    value: Any
    root: Root
    unresolved: str | None = None  # the $ref text when it could not be resolved

    def child(self, value: Any) -> Node:
        return Node(value, self.root)


def _walk_pointer(document: Any, fragment: str) -> tuple[bool, Any]:
    current = document
    for raw in fragment.split("/")[1:]:
        token = _unescape(raw)
        if isinstance(current, Mapping) and token in current:
            current = current[token]
        elif isinstance(current, Sequence) and not isinstance(current, str) and token.isdigit():
            index = int(token)
            if index >= len(current):
                return False, None
            current = current[index]
        else:
            return False, None
    return True, current


def follow(node: Node, ref: str) -> Node | None:
    """The schema one reference points to (None when it cannot be had)."""
    uri, fragment = urldefrag(ref)
    root = node.root
    if uri:
        target = root.load(urljoin(root.base, uri) if root.base else uri)
        if target is None:
            return None
        root = target
    fragment = unquote(fragment)
    if fragment and not fragment.startswith("/"):
        return None  # plain-name fragments ($id anchors) are not supported
    found, value = _walk_pointer(root.document, fragment)
    return Node(value, root) if found else None


def in_place(node: Node) -> bool:
    """Whether the node is a $ref whose sibling constraints apply too (2019-09 and later): then
    it is the conjunction of the reference and its siblings, and is not followed."""
    value = node.value
    if not isinstance(value, Mapping) or not isinstance(value.get("$ref"), str):
        return False
    beside = any(is_constraint(key) for key in value if key != "$ref")
    return beside and node.root.ask(Question.REF_IN_PLACE)


def in_place_ref(value: Any) -> str | None:
    """The $ref of a resolved schema, which is there only when its siblings apply too."""
    if isinstance(value, Mapping) and isinstance(value.get("$ref"), str):
        ref: str = value["$ref"]
        return ref
    return None


def resolve(node: Node) -> Node:
    """Follow `$ref` until a schema that is not a reference, or one whose siblings apply too (see
    `in_place`); where they do not (draft 4 to 7), siblings of $ref are ignored."""
    seen: set[tuple[int, str]] = set()
    current = node
    for _ in range(_MAX_HOPS):
        value = current.value
        if not isinstance(value, Mapping) or not isinstance(value.get("$ref"), str):
            return current
        if in_place(current):
            return current
        ref: str = value["$ref"]
        key = (id(current.root), ref)
        if key in seen:
            return Node(value=True, root=current.root)  # a pure reference loop constrains nothing
        seen.add(key)
        target = follow(current, ref)
        if target is None:
            return Node(value, current.root, unresolved=ref)
        current = target
    return Node(value=True, root=current.root)
