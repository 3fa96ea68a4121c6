"""Schema nodes, JSON pointers and `$ref` resolution.

A `Node` is a schema value together with the document (`Root`) it lives in, so that local
references (``#/definitions/X``) resolve against the right document, also inside documents
loaded through a resolver for non-local references.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

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


@dataclass(eq=False)
class Root:
    document: Any
    resolver: Resolver | None = None
    loaded: dict[str, Root] = field(default_factory=dict)

    @property
    def base(self) -> str:
        if isinstance(self.document, Mapping):
            for key in ("$id", "id"):
                value = self.document.get(key)
                if isinstance(value, str):
                    return urldefrag(value).url
        return ""

    def load(self, uri: str) -> Root | None:
        """The document a non-local reference points into, or None when it cannot be had."""
        if uri == self.base:
            return self
        if uri in self.loaded:
            return self.loaded[uri]
        if self.resolver is None:
            return None
        try:
            document = self.resolver(uri)
        except (KeyError, LookupError, OSError, ValueError):
            return None
        root = Root(document, self.resolver, self.loaded)
        self.loaded[uri] = root
        return root


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


def resolve(node: Node) -> Node:
    """Follow `$ref` until a schema that is not a reference; siblings of $ref are ignored."""
    seen: set[tuple[int, str]] = set()
    current = node
    for _ in range(_MAX_HOPS):
        value = current.value
        if not isinstance(value, Mapping) or not isinstance(value.get("$ref"), str):
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
