"""A state machine's page from its ASL file: the states, the transitions between them (``Next``,
``Default``, each choice and each ``Catch``), and the event versions its tasks put on the bus.

The file is read as the runtime and CloudFormation read it: ``${Name}`` placeholders filled from
the manifest's ``substitutions`` first. States inside a Parallel or Map are drawn as that one
state (no definition uses them yet).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ordermesh_contracts.catalog import Catalog, EventKey
from ordermesh_contracts.manifest import ServiceManifest, StateMachineSpec

from ordermesh_platform.event_catalog.model import MachinePage, Transition
from ordermesh_platform.runtime.wiring import substitute

PUT_EVENTS = "arn:aws:states:::events:putEvents"


def machine_page(
    manifest: ServiceManifest, spec: StateMachineSpec, catalog: Catalog, root: Path
) -> MachinePage:
    path = spec.definition_path(manifest.path)
    definition = json.loads(substitute(path.read_text(encoding="utf-8"), spec.substitutions))
    states: Mapping[str, Mapping[str, Any]] = definition["States"]
    return MachinePage(
        name=spec.name,
        owner=manifest.service.name,
        description=spec.description or str(definition.get("Comment", "")),
        definition_file=path.resolve().relative_to(root.resolve()).as_posix(),
        start=str(definition["StartAt"]),
        states=tuple(
            (name, str(s["Type"]), str(s.get("Comment", ""))) for name, s in states.items()
        ),
        transitions=tuple(t for name, state in states.items() for t in _transitions(name, state)),
        commands=tuple(sorted({key for state in states.values() for key in _puts(state, catalog)})),
    )


def _transitions(name: str, state: Mapping[str, Any]) -> Iterator[Transition]:
    for choice in state.get("Choices") or ():
        yield Transition(name, str(choice["Next"]), "choice")
    if "Default" in state:
        yield Transition(name, str(state["Default"]), "default")
    for catcher in state.get("Catch") or ():
        errors = ", ".join(str(e) for e in catcher.get("ErrorEquals") or ())
        yield Transition(name, str(catcher["Next"]), f"catch {errors}")
    if "Next" in state:
        yield Transition(name, str(state["Next"]), "")


def _puts(state: Mapping[str, Any], catalog: Catalog) -> Iterator[EventKey]:
    if state.get("Type") != "Task" or not str(state.get("Resource", "")).startswith(PUT_EVENTS):
        return
    for entry in (state.get("Parameters") or {}).get("Entries") or ():
        version = ((entry.get("Detail") or {}).get("metadata") or {}).get("eventVersion")
        if isinstance(version, int):
            contract = catalog.get(str(entry.get("Source")), str(entry.get("DetailType")), version)
            if contract is not None:
                yield contract.key
