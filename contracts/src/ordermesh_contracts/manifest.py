"""Service manifests (``service.toml``): what a deployable unit publishes and subscribes to.

The manifest is the single description of how a service is wired: its CDK stack, the local
runtime and the contract checks all read it. Event references are ``Name@N`` (or
``source/Name@N`` where a name alone would be ambiguous).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ordermesh_contracts.errors import ContractError, Problem

MANIFEST_GLOBS = ("services/*/service.toml", "platform/platform.toml")
_EVENT_REF = re.compile(
    r"^(?:(?P<source>[a-z0-9.-]+)/)?(?P<name>[A-Z][A-Za-z0-9]+)@(?P<v>[1-9]\d*)$"
)


class EventRef(BaseModel):
    model_config = ConfigDict(frozen=True)
    source: str | None
    name: str
    version: int

    @classmethod
    def parse(cls, text: str) -> EventRef:
        match = _EVENT_REF.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not an event reference like 'OrderPlaced@2'")
        return cls(source=match["source"], name=match["name"], version=int(match["v"]))

    def __str__(self) -> str:
        prefix = f"{self.source}/" if self.source else ""
        return f"{prefix}{self.name}@{self.version}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceInfo(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    source: str = Field(pattern=r"^ordermesh\.[a-z][a-z0-9-]*$")
    description: str = ""


class Publication(_Strict):
    event: str
    description: str = ""

    @field_validator("event")
    @classmethod
    def _ref(cls, value: str) -> str:
        EventRef.parse(value)
        return value

    @property
    def ref(self) -> EventRef:
        return EventRef.parse(self.event)


class Target(_Strict):
    kind: Literal["function", "queue", "stream", "state-machine"]
    handler: str | None = None  # "package.module:function" for functions and queue consumers
    name: str | None = None


class Subscription(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    event: str
    target: Target
    pattern: dict[str, Any] | None = None  # extra filters, merged into the version's pattern

    @field_validator("event")
    @classmethod
    def _ref(cls, value: str) -> str:
        EventRef.parse(value)
        return value

    @property
    def ref(self) -> EventRef:
        return EventRef.parse(self.event)


class ServiceManifest(_Strict):
    service: ServiceInfo
    publishes: list[Publication] = Field(default_factory=list)
    subscriptions: list[Subscription] = Field(default_factory=list)
    path: Path | None = Field(default=None, exclude=True)


def load_manifest(path: Path) -> ServiceManifest:
    """Read and check one manifest; a ContractError names the file and the field."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContractError([Problem(str(path), "", f"cannot read manifest: {exc}")]) from exc
    try:
        return ServiceManifest.model_validate({**raw, "path": path})
    except ValidationError as exc:
        problems = [
            Problem(str(path), "#/" + "/".join(str(p) for p in e["loc"]), e["msg"])
            for e in exc.errors()
        ]
        raise ContractError(problems) from exc


def discover_manifests(project_root: Path) -> list[Path]:
    return sorted(p for glob in MANIFEST_GLOBS for p in project_root.glob(glob))
