"""Make a schema self-contained: external ``$ref``s are copied into ``definitions``.

The EventBridge schema registry and the code generator both need one document per event version.
A reference ``../../common.json#/definitions/Money`` becomes ``#/definitions/Money`` and the
definition (with whatever it references in turn) is copied in. Names must not collide.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any, NoReturn

from ordermesh_contracts.errors import ContractError, Problem

_DEFINITIONS_PREFIX = "#/definitions/"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(schema: Any) -> str:
    """sha256 of the canonical JSON form: the identity of a released schema revision."""
    return "sha256:" + hashlib.sha256(canonical_json(schema).encode()).hexdigest()


def bundle_schema(schema: dict[str, Any], path: Path) -> dict[str, Any]:
    """Return a copy of ``schema`` (read from ``path``) with every external reference inlined."""
    root = path.resolve()
    bundler = _Bundler(root)
    own = schema.get("definitions", {})
    bundler.origin.update({name: (root, name) for name in own})
    result: dict[str, Any] = bundler.rewrite(copy.deepcopy(schema), root)
    definitions = {**result.get("definitions", {}), **bundler.pulled}
    if definitions:
        result["definitions"] = {k: definitions[k] for k in sorted(definitions)}
    return result


class _Bundler:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pulled: dict[str, Any] = {}  # definitions copied in from other documents
        self.origin: dict[str, tuple[Path, str]] = {}  # name -> (document, definition) it holds
        self._documents: dict[Path, Any] = {}

    def rewrite(self, node: Any, base: Path) -> Any:
        if isinstance(node, list):
            return [self.rewrite(item, base) for item in node]
        if not isinstance(node, dict):
            return node
        out = {k: self.rewrite(v, base) for k, v in node.items() if k != "$ref"}
        if isinstance(ref := node.get("$ref"), str):
            out["$ref"] = self._ref(ref, base)
        return out

    def _ref(self, ref: str, base: Path) -> str:
        file_part, _, fragment = ref.partition("#")
        target = (base.parent / file_part).resolve() if file_part else base
        name = fragment.removeprefix("/definitions/")
        if name == fragment or "/" in name:
            self._fail(ref, "only references to #/definitions/<Name> can be bundled")
        if self.origin.get(name, (target, name)) != (target, name):
            self._fail(ref, f"definition name {name!r} is already taken by another schema")
        if target != self.root and name not in self.origin:
            document = self._document(target, ref)
            if name not in document.get("definitions", {}):
                self._fail(ref, f"{target.name} has no definition {name!r}")
            self.origin[name] = (target, name)  # set first: guards recursive references
            self.pulled[name] = self.rewrite(document["definitions"][name], target)
        return _DEFINITIONS_PREFIX + name

    def _document(self, target: Path, ref: str) -> Any:
        if target not in self._documents:
            try:
                self._documents[target] = json.loads(target.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                self._fail(ref, f"cannot read {target}: {exc}")
        return self._documents[target]

    def _fail(self, ref: str, message: str) -> NoReturn:
        raise ContractError([Problem(str(self.root), "#", f"$ref {ref!r}: {message}")])
