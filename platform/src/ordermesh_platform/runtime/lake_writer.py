"""Sealed batches of a delivery stream written to the lake: each one Parquet object (and its
error output), written, renamed into place and then published.

A batch holds either archived bus events (their archive seqs, packed, and the records a rule
rendered) or records put directly (``lake_records`` rows, PutRecord and backfill). Its records
are read again from where they are kept, in the same order, whenever it is written, so a batch
written again after a crash is the same object under the same key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ordermesh_contracts.lake import DeliveryStream

from ordermesh_platform.lake.objects import (
    FailedRecord,
    error_documents,
    parquet_bytes,
    publish,
)
from ordermesh_platform.lake.tables import ConversionError, RowConverter
from ordermesh_platform.runtime.lake_log import unpack_seqs
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

Record = tuple[int, str | bytes, float]  # (sequence number, JSON text, arrival)


@dataclass(frozen=True)
class Batch:
    id: int
    stream_id: int
    stream: DeliveryStream
    object_key: str
    error_key: str
    sealed_at: float
    seqs: bytes | None  # archived events (packed archive seqs); None: lake_records rows
    rendered: str | None  # archived events a rule rendered: {seq: record} as JSON


class BatchWriter:
    """Writes sealed batches under ``lake`` and publishes them in the store."""

    def __init__(self, store: Store, clock: Clock, lake: Path) -> None:
        self.store = store
        self.clock = clock
        self.lake = lake
        self._converters: dict[str, RowConverter] = {}

    def forget(self, stream: str) -> None:
        """A stream was declared again: its converter is made again."""
        self._converters.pop(stream, None)

    def write(self, batch: Batch, records: Sequence[Record] | None = None) -> int:
        """Write a sealed batch's objects and publish it; its records (0 if another process
        published it first). ``records``: the batch's records as its sealer read them (a batch
        just sealed), else they are read again from where they are kept."""
        if records is None:
            rows = self._records(batch)
        else:
            rows = list(records) if self._unpublished(batch) else []
        if not rows:
            return 0
        converter = self._converter(batch.stream)
        table = converter.read([data for _, data, _ in rows])  # every record at once, if it can
        converted, failed = [], []
        for seq, data, arrived_at in rows if table is None else ():
            try:
                converted.append(converter.row(json.loads(data)))
            except ConversionError as exc:
                failed.append(_failure(seq, data, arrived_at, f"{exc.path}: {exc.reason}"))
            except ValueError as exc:  # not JSON at all
                failed.append(_failure(seq, data, arrived_at, f"$: not a JSON document: {exc}"))
        written = 0
        if table is None and converted:
            table = converter.table(converted)
        if table is not None:
            content = parquet_bytes(table)
            publish(self.lake, batch.object_key, content)
            written += len(content)
        if failed:
            errors = error_documents(
                failed,
                database=batch.stream.database,
                table=batch.stream.table,
                attempt_ended=batch.sealed_at,
            )
            publish(self.lake, batch.error_key, errors)
            written += len(errors)
        delivered = len(rows) - len(failed)
        self._published(batch, rows=delivered, failures=len(failed), size=written)
        return len(rows)

    def _records(self, batch: Batch) -> list[Record]:
        """The batch's records in order, or none if it is published."""
        conn = self.store.connection()
        if batch.seqs is None:
            return conn.execute(  # one statement: one snapshot of the batch and its records
                "SELECT r.seq, r.data, r.arrived_at FROM lake_records r "
                "JOIN lake_batches b ON b.id = r.batch "
                "WHERE b.id = ? AND b.published_at IS NULL ORDER BY r.seq",
                (batch.id,),
            ).fetchall()
        if not self._unpublished(batch):
            return []
        return _archived(conn, batch, unpack_seqs(batch.seqs))

    def _unpublished(self, batch: Batch) -> bool:
        published = (
            self.store.connection()
            .execute("SELECT published_at FROM lake_batches WHERE id = ?", (batch.id,))
            .fetchone()
        )
        return published is not None and published[0] is None

    def _published(self, batch: Batch, *, rows: int, failures: int, size: int) -> None:
        objects = 1 if rows else 0  # no Parquet object for a batch whose every record failed
        with self.store.write() as conn:
            marked = conn.execute(
                "UPDATE lake_batches SET published_at = ? WHERE id = ? AND published_at IS NULL",
                (self.clock.now(), batch.id),
            )
            if marked.rowcount == 0:  # another process published it: same objects, counted
                return
            if batch.seqs is None:
                conn.execute("DELETE FROM lake_records WHERE batch = ?", (batch.id,))
            conn.execute(
                "INSERT INTO lake_counts (stream, objects, records_delivered, "
                "conversion_failures, bytes_written) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (stream) DO UPDATE SET objects = objects + excluded.objects, "
                "records_delivered = records_delivered + excluded.records_delivered, "
                "conversion_failures = conversion_failures + excluded.conversion_failures, "
                "bytes_written = bytes_written + excluded.bytes_written",
                (batch.stream_id, objects, rows, failures, size),
            )

    def _converter(self, stream: DeliveryStream) -> RowConverter:
        converter = self._converters.get(stream.name)
        if converter is None:
            converter = self._converters[stream.name] = RowConverter.of(stream.columns)
        return converter


def _archived(conn: sqlite3.Connection, batch: Batch, seqs: list[int]) -> list[Record]:
    """The archived events of a batch as its records: the archived JSON, or what the rule
    rendered; a seq the archive lacks (it is never pruned) is an error naming the batch."""
    first, last = seqs[0], seqs[-1]
    if 2 * len(seqs) >= last - first + 1:  # dense: one range scan, the others skipped
        rows = conn.execute(
            "SELECT seq, event, received_at FROM archive WHERE seq BETWEEN ? AND ? ORDER BY seq",
            (first, last),
        )
    else:
        rows = conn.execute(
            "SELECT seq, event, received_at FROM archive "
            "WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq",
            (json.dumps(seqs),),
        )
    wanted = set(seqs)
    rendered: dict[str, str] = json.loads(batch.rendered) if batch.rendered else {}
    records: list[Record] = [
        (seq, rendered.get(str(seq), text), arrived_at)
        for seq, text, arrived_at in rows
        if seq in wanted
    ]
    if len(records) != len(seqs):
        missing = sorted(wanted - {seq for seq, _, _ in records})
        message = f"batch {batch.id} of {batch.stream.name}: archive seqs {missing[:5]} are gone"
        raise LookupError(message)
    return records


def _failure(seq: int, data: str | bytes, arrived_at: float, message: str) -> FailedRecord:
    raw = data.encode() if isinstance(data, str) else bytes(data)
    return FailedRecord(raw, arrived_at, str(seq), message)
