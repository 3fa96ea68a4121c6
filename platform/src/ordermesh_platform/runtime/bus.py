"""The local event bus: PutEvents with EventBridge's limits and per-entry results, contract
validation at ingress, rules with patterns and targets, an archive of every accepted event, and
replay.

An accepted event is written to the archive and handed to every matching target in one SQLite
transaction, so once PutEvents reports an event id the event and its deliveries are durable.
Targets receive the exact EventBridge event (or the rule's InputPath / InputTransformer result).

Some target kinds are fed from the archive instead (``archive_fed``: the lake's delivery
streams): the archive already holds every accepted event durably, in order, so their reader
follows it as a log from its own checkpoint and matches the events against their rules with
:meth:`LocalEventBus.archive_targets`. PutEvents and replays do no work for them; their rules are
rules like any other (listed, described, enabled and disabled).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ordermesh_contracts.validation import ContractValidator

from ordermesh_platform.patterns import CachedRuleIndex, EventPattern, RuleIndex, compile_pattern
from ordermesh_platform.runtime.bus_entries import (
    MAX_ENTRIES,
    MAX_REQUEST_BYTES,
    EntryOutcome,
    PutEventsResult,
    admit,
    entry_from_event,
    entry_size,
    event_epoch,
)
from ordermesh_platform.runtime.transform import TargetInput
from ordermesh_platform.shared.aws import AwsError, bus_arn, rule_arn
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

__all__ = [  # entries and results live in bus_entries; callers take them from the bus
    "ArchiveTarget",
    "BusError",
    "EntryOutcome",
    "LocalEventBus",
    "PutEventsResult",
    "Replay",
    "Rule",
    "Target",
    "TargetKind",
    "TargetSink",
    "entry_from_event",
    "entry_size",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS archive (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    bus TEXT NOT NULL,
    id TEXT NOT NULL,
    time REAL NOT NULL,
    received_at REAL NOT NULL,
    source TEXT NOT NULL,
    detail_type TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_time ON archive (bus, time, seq);
-- No index on the correlation id: an expression index parses every archived event's JSON on
-- insert, the bus's hottest write; ``ordermesh trace`` scans for the id as text instead.
DROP INDEX IF EXISTS archive_correlation;
CREATE TABLE IF NOT EXISTS replays (
    name TEXT PRIMARY KEY,
    bus TEXT NOT NULL,
    event_start REAL NOT NULL,
    event_end REAL NOT NULL,
    pattern TEXT,
    rules TEXT,
    state TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    events_replayed INTEGER NOT NULL DEFAULT 0
);
"""

MAX_TARGETS_PER_RULE = 5
MAX_PATTERN_CHARS = 4096

TargetKind = Literal["function", "queue", "stream", "state-machine", "delivery-stream", "topic"]


class BusError(AwsError):
    """A request EventBridge rejects as a whole: ``code`` is the AWS error code."""


@dataclass(frozen=True)
class Target:
    """Where a rule sends matching events."""

    id: str
    kind: TargetKind
    name: str  # the function, queue, stream, state machine, delivery stream or topic
    input: TargetInput = field(default_factory=TargetInput)
    partition_key_path: str | None = None  # streams: default is the event id


@dataclass(frozen=True)
class Rule:
    name: str
    event_pattern: str  # JSON text
    targets: tuple[Target, ...] = ()
    state: Literal["ENABLED", "DISABLED"] = "ENABLED"
    description: str = ""
    managed_by: str | None = None  # the manifest (service) that declared the rule


class TargetSink(Protocol):
    def deliver(
        self, conn: sqlite3.Connection, target: Target, payload: str, event: Mapping[str, Any]
    ) -> None:
        """Hand ``payload`` (JSON text) to the target inside the bus's transaction."""


@dataclass(frozen=True)
class Replay:
    name: str
    state: str
    event_start: float
    event_end: float
    events_replayed: int


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    pattern: EventPattern
    arn: str


@dataclass(frozen=True)
class ArchiveTarget:
    """A target fed from the archive, with the enabled rule that matched the event."""

    rule_name: str
    rule_arn: str
    target: Target

    def render(self, event: Mapping[str, Any], event_json: str) -> str:
        """The target's input, as the bus renders it for a target it delivers to."""
        return self.target.input.render(
            event, rule_name=self.rule_name, rule_arn=self.rule_arn, event_json=event_json
        )


class LocalEventBus:
    """One custom event bus with its rules, archive and replays."""

    def __init__(  # noqa: PLR0913 - the collaborators, keyword-only after the store and clock
        self,
        store: Store,
        clock: Clock,
        *,
        name: str = "ordermesh",
        sinks: Mapping[TargetKind, TargetSink] | None = None,
        validator: ContractValidator | None = None,
        contract_sources: frozenset[str] | None = None,
        archive_fed: frozenset[TargetKind] = frozenset(),
    ) -> None:
        self.store = store
        self.clock = clock
        self.name = name
        self.arn = bus_arn(name)
        self.sinks: dict[TargetKind, TargetSink] = dict(sinks or {})
        self.archive_fed = archive_fed  # kinds whose reader follows the archive: no sink
        self.validator = validator
        self._contract_sources = contract_sources
        if validator is not None and contract_sources is None:
            self._contract_sources = frozenset(s for s, _ in validator.catalog.events())
        store.ensure_schema(SCHEMA)
        self._rules: dict[str, _CompiledRule] = {}
        self._index = RuleIndex()  # rules with a target PutEvents delivers to
        self._archive_index = CachedRuleIndex()  # rules with a target fed from the archive
        self._archive_routes: dict[str, tuple[ArchiveTarget, ...]] = {}  # of enabled rules
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Mapping[str, Any]], None]] = []

    # --- rules --------------------------------------------------------------------------------
    def put_rule(self, rule: Rule) -> str:
        """Create or replace a rule; an invalid pattern raises InvalidEventPatternError."""
        if len(rule.event_pattern) > MAX_PATTERN_CHARS:
            raise BusError(
                "ValidationException",
                f"EventPattern of rule {rule.name!r} is longer than {MAX_PATTERN_CHARS} characters",
            )
        if len(rule.targets) > MAX_TARGETS_PER_RULE:
            raise BusError("LimitExceededException", f"rule {rule.name!r} has more than 5 targets")
        ids = [t.id for t in rule.targets]
        if len(set(ids)) != len(ids):
            raise BusError("ValidationException", f"rule {rule.name!r} repeats a target id")
        for target in rule.targets:
            if target.kind not in self.sinks and target.kind not in self.archive_fed:
                message = f"rule {rule.name!r}: no {target.kind} targets in this runtime"
                raise BusError("ValidationException", message)
        pattern = compile_pattern(rule.event_pattern)
        compiled = _CompiledRule(rule, pattern, rule_arn(self.name, rule.name))
        with self._lock:
            self._rules[rule.name] = compiled
            for index, kinds in self._indexes():
                if any(target.kind in kinds for target in rule.targets):
                    index.add(rule.name, pattern)
                else:
                    index.remove(rule.name)
            self._route_archive(compiled)
        return compiled.arn

    def _route_archive(self, compiled: _CompiledRule) -> None:
        """What the rule's archive-fed targets take from now on (nothing while disabled)."""
        enabled = compiled.rule.state == "ENABLED"
        self._archive_routes[compiled.rule.name] = tuple(
            ArchiveTarget(compiled.rule.name, compiled.arn, target)
            for target in compiled.rule.targets
            if enabled and target.kind in self.archive_fed
        )

    def _indexes(self) -> tuple[tuple[RuleIndex, frozenset[TargetKind]], ...]:
        return (
            (self._index, frozenset(self.sinks)),
            (self._archive_index, self.archive_fed),
        )

    def delete_rule(self, name: str) -> None:
        with self._lock:
            self._rule(name)
            del self._rules[name]
            self._index.remove(name)
            self._archive_index.remove(name)
            self._archive_routes.pop(name, None)

    def set_rule_state(self, name: str, state: Literal["ENABLED", "DISABLED"]) -> None:
        with self._lock:
            compiled = self._rule(name)
            rule = Rule(
                compiled.rule.name,
                compiled.rule.event_pattern,
                compiled.rule.targets,
                state,
                compiled.rule.description,
                compiled.rule.managed_by,
            )
            self._rules[name] = _CompiledRule(rule, compiled.pattern, compiled.arn)
            self._route_archive(self._rules[name])

    def _rule(self, name: str) -> _CompiledRule:
        compiled = self._rules.get(name)
        if compiled is None:
            raise BusError(
                "ResourceNotFoundException", f"Rule {name} does not exist on EventBus {self.name}."
            )
        return compiled

    def rules(self, prefix: str = "") -> list[Rule]:
        with self._lock:
            return [c.rule for n, c in sorted(self._rules.items()) if n.startswith(prefix)]

    def describe_rule(self, name: str) -> tuple[Rule, str]:
        """The rule and its ARN."""
        compiled = self._rule(name)
        return compiled.rule, compiled.arn

    def matching_rules(self, event: Mapping[str, Any]) -> list[str]:
        """Names of the enabled rules whose pattern matches ``event`` and that have a target
        PutEvents delivers to (rules fed from the archive: :meth:`archive_targets`)."""
        with self._lock:
            names = self._index.match(dict(event))
            return [n for n in names if self._rules[n].rule.state == "ENABLED"]

    def archive_targets(self, event: dict[str, Any]) -> list[ArchiveTarget]:
        """The targets fed from the archive that ``event`` reaches: those of the enabled rules
        whose pattern matches it, in the rules' order."""
        found: list[ArchiveTarget] = []
        with self._lock:
            for name in self._archive_index.match(event):
                found.extend(self._archive_routes[name])
        return found

    def on_event(self, listener: Callable[[Mapping[str, Any]], None]) -> None:
        """Call ``listener`` with every event accepted after its transaction commits (tail)."""
        self._listeners.append(listener)

    # --- PutEvents ----------------------------------------------------------------------------
    def put_events(self, entries: Sequence[Mapping[str, Any]]) -> PutEventsResult:
        """PutEvents: entries as the AWS API spells them (Source, DetailType, Detail, ...)."""
        if not entries:
            raise BusError("ValidationException", "Entries must contain at least 1 entry")
        if len(entries) > MAX_ENTRIES:
            raise BusError(
                "ValidationException",
                f"1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                f"Member must have length less than or equal to {MAX_ENTRIES}",
            )
        if sum(entry_size(e) for e in entries) > MAX_REQUEST_BYTES:
            raise BusError(
                "ValidationException", "Total size of the entries in the request is over the limit."
            )
        now = self.clock.now()
        outcomes: list[EntryOutcome] = []
        accepted: list[tuple[dict[str, Any], str]] = []  # each event and its JSON
        for entry in entries:
            event_or_error = admit(
                entry,
                now,
                bus_names=(self.name, self.arn),
                validator=self.validator,
                contract_sources=self._contract_sources,
            )
            if isinstance(event_or_error, EntryOutcome):
                outcomes.append(event_or_error)
            else:
                accepted.append(event_or_error)
                outcomes.append(EntryOutcome(event_id=event_or_error[0]["id"]))
        if accepted:
            with self.store.write() as conn:
                rows = []
                for event, event_json in accepted:
                    rows.append(
                        (
                            self.name,
                            event["id"],
                            event_epoch(event, now),
                            now,
                            event["source"],
                            event["detail-type"],
                            event_json,
                        )
                    )
                    self._route(conn, event, event_json)
                conn.executemany(
                    "INSERT INTO archive "
                    "(bus, id, time, received_at, source, detail_type, event) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            for event, _ in accepted:
                for listener in self._listeners:
                    listener(event)
        return PutEventsResult(tuple(outcomes))

    def _route(
        self,
        conn: sqlite3.Connection,
        event: Mapping[str, Any],
        event_json: str,
        only_rules: frozenset[str] | None = None,
    ) -> int:
        """Deliver ``event`` to the targets of every enabled matching rule; deliveries made."""
        delivered = 0
        for name in self.matching_rules(event):
            if only_rules is not None and name not in only_rules:
                continue
            compiled = self._rules[name]
            for target in compiled.rule.targets:
                if target.kind in self.archive_fed:  # its reader follows the archive
                    continue
                payload = target.input.render(
                    event, rule_name=name, rule_arn=compiled.arn, event_json=event_json
                )
                self.sinks[target.kind].deliver(conn, target, payload, event)
                delivered += 1
        return delivered

    # --- archive and replay -------------------------------------------------------------------
    def archived(
        self, start: float | None = None, end: float | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Archived events with ``start <= time < end``, oldest first."""
        rows = self.store.connection().execute(
            "SELECT event FROM archive WHERE bus = ? AND time >= ? AND time < ? "
            "ORDER BY time, seq LIMIT ?",
            (
                self.name,
                start if start is not None else float("-inf"),
                end if end is not None else float("inf"),
                limit,
            ),
        )
        return [json.loads(r["event"]) for r in rows]

    def archive_count(self) -> int:
        row = (
            self.store.connection()
            .execute("SELECT COUNT(*) AS n FROM archive WHERE bus = ?", (self.name,))
            .fetchone()
        )
        return int(row["n"])

    def replay(
        self,
        name: str,
        start: float,
        end: float,
        *,
        event_pattern: str | None = None,
        rules: Sequence[str] | None = None,
    ) -> Replay:
        """Re-deliver archived events with ``start <= time < end`` (and matching
        ``event_pattern``, if given) to the bus's rules (or only ``rules``). Replayed events
        carry ``replay-name`` and are not archived again. A name is used once."""
        if end <= start:
            raise BusError(
                "ValidationException",
                "Parameter EventEndTime is not valid: it must be after EventStartTime.",
            )
        end = min(end, self.clock.now())
        pattern = compile_pattern(event_pattern) if event_pattern else None
        only = frozenset(rules) if rules is not None else None
        if only is not None:
            for rule in only:
                self._rule(rule)
        with self.store.write() as conn:
            exists = conn.execute("SELECT 1 FROM replays WHERE name = ?", (name,)).fetchone()
            if exists:
                raise BusError("ResourceAlreadyExistsException", f"Replay {name} already exists.")
            conn.execute(
                "INSERT INTO replays (name, bus, event_start, event_end, pattern, rules, state, "
                "started_at) VALUES (?, ?, ?, ?, ?, ?, 'RUNNING', ?)",
                (
                    name,
                    self.name,
                    start,
                    end,
                    event_pattern,
                    json.dumps(sorted(only)) if only else None,
                    self.clock.now(),
                ),
            )
        replayed = 0
        last_seq = 0
        while True:
            with self.store.write() as conn:
                rows = conn.execute(
                    "SELECT seq, event FROM archive WHERE bus = ? AND time >= ? AND time < ? "
                    "AND seq > ? ORDER BY seq LIMIT 500",
                    (self.name, start, end, last_seq),
                ).fetchall()
                for row in rows:
                    last_seq = row["seq"]
                    event = json.loads(row["event"])
                    if pattern is not None and not pattern.matches(event):
                        continue
                    event["replay-name"] = name
                    self._route(conn, event, json.dumps(event, separators=(",", ":")), only)
                    replayed += 1
                if not rows:
                    conn.execute(
                        "UPDATE replays SET state = 'COMPLETED', finished_at = ?, "
                        "events_replayed = ? WHERE name = ?",
                        (self.clock.now(), replayed, name),
                    )
                    break
        return Replay(name, "COMPLETED", start, end, replayed)

    def replays(self) -> list[Replay]:
        rows = self.store.connection().execute(
            "SELECT * FROM replays WHERE bus = ? ORDER BY started_at", (self.name,)
        )
        return [
            Replay(r["name"], r["state"], r["event_start"], r["event_end"], r["events_replayed"])
            for r in rows
        ]
