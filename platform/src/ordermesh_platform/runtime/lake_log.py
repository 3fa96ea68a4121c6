"""The delivery streams' buffer of bus events: the bus archive, read as a log.

The bus writes every accepted event to its archive in the transaction that accepts it, in
``seq`` order, and never prunes it, so the archive already is a durable buffer of everything the
lake's rules can match: a delivery stream fed by rules does no work on the bus's path. Each
stream has a checkpoint (``lake_cursors``), an archive seq below which every event that reaches
the stream is in one of its sealed batches. The reader scans the archive after what it has
scanned (one range scan), matches each event against the rules that target delivery streams
(the bus's own matching, the rule's state and its input rendering respected), and keeps, per
stream, the events after the stream's checkpoint: the records waiting for their batch.

A batch takes a stream's oldest waiting records and moves the stream's checkpoint past them in
the transaction that records the batch (its archive seqs packed in ``lake_batches.seqs``). The
checkpoint moves only from the value this reader last saw (compare and set), so two processes
flushing one store (``ordermesh up`` and ``ordermesh lake flush``) never seal an event twice:
the one that loses starts again from the checkpoints. On start the waiting records are rebuilt
by scanning from the lowest checkpoint.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import orjson

from ordermesh_platform.runtime.bus import LocalEventBus
from ordermesh_platform.shared.store import Store

logger = logging.getLogger(__name__)

PAGE: Final = 2000  # archive rows read per query
CURSOR_LAG: Final = 1000  # archive rows a stream with nothing waiting may trail before it moves

# A range of the archive's rowid: `+bus` keeps SQLite from the (bus, time) index, which would
# visit every archived event of the bus and sort them.
# The JSON as its bytes: the records are written as bytes, and orjson reads them as fast.
SCAN: Final = (
    "SELECT seq, received_at, CAST(event AS BLOB) FROM archive WHERE seq > ? AND +bus = ? "
    "ORDER BY seq LIMIT ?"
)
Data = str | bytes  # an archived event's JSON (bytes), or what a rule rendered of it (text)


class CursorMoved(Exception):  # noqa: N818 - not an error: another process sealed first
    """A stream's checkpoint is not where this reader left it: another process sealed."""


@dataclass(frozen=True)
class Taken:
    """The oldest waiting records of a stream that make one batch, and where the stream's
    checkpoint moves when the batch is sealed: their archive seqs, arrivals (the bus's
    ``received_at``) and records (the archived JSON, or what the rule rendered), and their size
    as the stream counts it."""

    stream: str
    seqs: array[int]
    arrivals: array[float]
    records: list[Data]
    rendered: dict[int, str]  # the records a rule rendered (Input, InputPath, InputTransformer)
    size: int
    cursor: int

    @property
    def packed(self) -> bytes:
        return self.seqs.tobytes()

    @property
    def rendered_json(self) -> str | None:
        """The rendered records by seq (JSON), or None if every record is the archived JSON."""
        found = {str(seq): record for seq, record in self.rendered.items()}
        return json.dumps(found) if found else None

    def rows(self) -> list[tuple[int, Data, float]]:
        """(seq, record, arrival) of each, in order: what the batch's writer reads."""
        return list(zip(self.seqs, self.records, self.arrivals, strict=True))


class _Waiting:
    """The archived events waiting for one stream's batch, oldest first, in columns (a
    stream's buffer holds thousands)."""

    __slots__ = ("arrivals", "oldest", "records", "rendered", "seqs", "size", "sizes")

    def __init__(self) -> None:
        self.seqs = array("q")
        self.sizes = array("q")
        self.arrivals = array("d")
        self.records: list[Data] = []
        self.rendered: dict[int, str] = {}
        self.size = 0
        self.oldest = math.inf

    def append(self, seq: int, size: int, arrived_at: float, record: Data) -> None:
        self.seqs.append(seq)
        self.sizes.append(size)
        self.arrivals.append(arrived_at)
        self.records.append(record)
        if isinstance(record, str):
            self.rendered[seq] = record
        self.size += size
        self.oldest = min(self.oldest, arrived_at)

    def drop(self, count: int) -> None:
        """The oldest ``count`` are in a batch: they wait no more."""
        for seq in self.seqs[:count] if self.rendered else ():
            self.rendered.pop(seq, None)
        self.size -= sum(self.sizes[:count])
        del self.seqs[:count]
        del self.sizes[:count]
        del self.arrivals[:count]
        del self.records[:count]
        self.oldest = min(self.arrivals, default=math.inf)


def unpack_seqs(packed: bytes) -> list[int]:
    seqs = array("q")
    seqs.frombytes(packed)
    return seqs.tolist()


class ArchiveLog:
    """The archive followed for the declared delivery streams (by name)."""

    def __init__(self, store: Store, bus: LocalEventBus) -> None:
        self.store = store
        self.bus = bus
        self._ids: dict[str, int] = {}  # declared streams: name -> store id
        self._cursors: dict[str, int] | None = None  # checkpoints as last read or written
        self._scanned = 0
        self._waiting: dict[str, _Waiting] = {}
        self._reported: set[str] = set()

    def declare(self, conn: sqlite3.Connection, name: str, stream_id: int) -> None:
        """Follow the archive for a stream; a new stream starts after the events archived so
        far (a rule delivers the events accepted after it exists)."""
        conn.execute(
            "INSERT OR IGNORE INTO lake_cursors (stream, seq) "
            "SELECT ?, COALESCE(MAX(seq), 0) FROM archive",
            (stream_id,),
        )
        self._ids[name] = stream_id
        self.reset()

    def reset(self) -> None:
        """Forget what was scanned: the next :meth:`scan` starts from the checkpoints."""
        self._cursors = None

    # --- scanning -----------------------------------------------------------------------------
    def scan(self) -> int:
        """Read the next page of the archive; how many rows it held (0: at the end)."""
        cursors = self._loaded()
        rows = self.store.connection().execute(SCAN, (self._scanned, self.bus.name, PAGE))
        waiting = self._waiting
        count = 0
        for seq, arrived_at, text in rows:
            count += 1
            for name, size, record in self._reached(text):
                if seq > cursors[name]:
                    waiting[name].append(seq, size, arrived_at, record)
            self._scanned = seq
        return count

    def _loaded(self) -> dict[str, int]:
        if self._cursors is None:
            self._cursors = self._read_cursors(self.store.connection())
            self._scanned = min(self._cursors.values(), default=0)
            self._waiting = {name: _Waiting() for name in self._ids}
        return self._cursors

    def _read_cursors(self, conn: sqlite3.Connection) -> dict[str, int]:
        stored = dict(conn.execute("SELECT stream, seq FROM lake_cursors").fetchall())
        return {name: int(stored.get(stream_id, 0)) for name, stream_id in self._ids.items()}

    def _reached(self, text: bytes) -> list[tuple[str, int, Data]]:
        """The declared streams an archived event (its JSON) reaches, each once, with the size
        and the record: the archived JSON itself (bytes), or what the rule rendered (text)."""
        event = _parsed(text)
        reached: list[tuple[str, int, Data]] = []
        seen: set[str] = set()
        for route in self.bus.archive_targets(event):
            name = route.target.name
            if name in seen:  # two rules to one stream: the event is in it once
                continue
            seen.add(name)
            if name not in self._ids:
                self._report(name)
            elif route.target.input.whole_event:
                reached.append((name, len(text), text))
            else:
                payload = route.render(event, text.decode())
                size = len(payload) if payload.isascii() else len(payload.encode())
                reached.append((name, size, payload))
        return reached

    def _report(self, name: str) -> None:
        if name not in self._reported:
            self._reported.add(name)
            logger.warning("a rule targets delivery stream %s, which is not declared", name)

    # --- what waits ---------------------------------------------------------------------------
    def size(self, name: str) -> int:
        """The size of the records waiting for ``name``."""
        waiting = self._waiting.get(name)
        return waiting.size if waiting is not None else 0

    def oldest(self, name: str) -> float | None:
        """When the oldest record waiting for ``name`` arrived, or None if none waits."""
        waiting = self._waiting.get(name)
        return waiting.oldest if waiting is not None and waiting.seqs else None

    def full(self, limits: dict[str, int]) -> list[str]:
        """The streams whose waiting records reach their size limit."""
        return [name for name, limit in limits.items() if self.size(name) >= limit]

    def take(self, name: str, limit: int) -> Taken | None:
        """The oldest waiting records of ``name`` up to ``limit`` bytes (the one that reaches
        it included), or None if none waits."""
        waiting = self._waiting.get(name)
        if waiting is None or not waiting.seqs:
            return None
        total = count = 0
        for size in waiting.sizes:
            total += size
            count += 1
            if total >= limit:
                break
        seqs = waiting.seqs[:count]
        cursor = waiting.seqs[count] - 1 if count < len(waiting.seqs) else self._scanned
        rendered = waiting.rendered
        return Taken(
            name,
            seqs,
            waiting.arrivals[:count],
            waiting.records[:count],
            {seq: rendered[seq] for seq in seqs if seq in rendered} if rendered else {},
            total,
            cursor,
        )

    def move(self, conn: sqlite3.Connection, name: str, cursor: int) -> None:
        """Move ``name``'s checkpoint to ``cursor`` in ``conn``'s transaction, if it is where this
        reader left it (else :class:`CursorMoved`); :meth:`sealed` once committed."""
        assert self._cursors is not None  # noqa: S101 - records were taken from a loaded log
        moved = conn.execute(
            "UPDATE lake_cursors SET seq = ? WHERE stream = ? AND seq = ?",
            (cursor, self._ids[name], self._cursors[name]),
        )
        if moved.rowcount != 1:
            raise CursorMoved(name)

    def sealed(self, taken: Taken) -> None:
        """``taken`` is in a committed batch: it waits no more."""
        assert self._cursors is not None  # noqa: S101 - records were taken from a loaded log
        self._waiting[taken.stream].drop(len(taken.seqs))
        self._cursors[taken.stream] = taken.cursor

    def catch_up(self, *, force: bool) -> None:
        """Move the checkpoints of the streams trailing the scan (nothing waiting before it)
        when they trail by ``CURSOR_LAG`` rows (or ``force``), so a restart scans little."""
        if self._cursors is None:
            return
        targets = {
            name: waiting.seqs[0] - 1 if waiting.seqs else self._scanned
            for name, waiting in self._waiting.items()
        }
        behind = {n: t for n, t in targets.items() if t > self._cursors[n]}
        if not behind or not (
            force or any(t - self._cursors[n] >= CURSOR_LAG for n, t in behind.items())
        ):
            return
        with self.store.write() as conn:
            for name, cursor in behind.items():
                self.move(conn, name, cursor)
        self._cursors.update(behind)

    # --- what the store says (any process) ----------------------------------------------------
    def unsealed(self) -> dict[str, list[tuple[int, str]]]:
        """Per declared stream, the archived events after its checkpoint that reach it: (seq,
        event id), read now from the store, whatever this reader has scanned."""
        conn = self.store.connection()
        cursors = self._read_cursors(conn)
        found: dict[str, list[tuple[int, str]]] = {name: [] for name in self._ids}
        after = min(cursors.values(), default=0)
        while True:
            rows = conn.execute(SCAN, (after, self.bus.name, PAGE)).fetchall()
            for seq, _, text in rows:
                for name, _, _ in self._reached(text):
                    if seq > cursors[name]:
                        found[name].append((seq, json.loads(text)["id"]))
            if len(rows) < PAGE:
                return found
            after = rows[-1][0]


def archived_ids(conn: sqlite3.Connection, seqs: Iterable[int]) -> list[str]:
    """The event ids of archive rows."""
    rows = conn.execute(
        "SELECT id FROM archive WHERE seq IN (SELECT value FROM json_each(?))",
        (json.dumps(list(seqs)),),
    )
    return [row[0] for row in rows]


def _parsed(text: bytes) -> dict[str, Any]:
    """An archived event: orjson reads it several times faster than json; json takes over for
    what orjson refuses (an integer over 64 bits), so every archived event is read."""
    try:
        event: dict[str, Any] = orjson.loads(text)
    except orjson.JSONDecodeError:
        event = json.loads(text)
    return event
