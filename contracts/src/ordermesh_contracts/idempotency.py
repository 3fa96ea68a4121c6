"""A SQLite persistence layer for the aws-lambda-powertools idempotency utility.

In AWS, the services' handlers are made idempotent with powertools' ``idempotent`` and
``idempotent_function`` decorators over a ``DynamoDBPersistenceLayer``. The local runtime runs
the same handlers with a ``SqlitePersistenceLayer`` instead: each service keeps its idempotency
records in a table of its own SQLite file.

The layer keeps the DynamoDB layer's semantics:

* a record is written for a key only if none exists, or the existing one has expired
  (``expiration``, in epoch seconds, is in the past), or it is still in progress but the
  invocation that wrote it has timed out (``in_progress_expiration``, in epoch milliseconds, is in
  the past). Otherwise ``IdempotencyItemAlreadyExistsError`` is raised, carrying the existing
  record; a write whose payload hash does not match the live record's raises
  ``IdempotencyValidationError``;
* the write is one ``BEGIN IMMEDIATE`` transaction (a conditional upsert, then a read of the
  record that stopped it), so it is atomic across threads and processes using the same file;
* updating a record creates it if it is gone, as DynamoDB's ``UpdateItem`` does.

Expired rows stay in the table, as in DynamoDB between expiry and TTL deletion, until
``purge_expired`` deletes them. The database is in WAL mode; each thread (of each process) has
its own connection.

``OncePerEvent`` is how the services' queue consumers use the utility: a record handler runs at
most once per contract event, keyed on the event's ``metadata.eventId`` (the same in a
redelivery, a retry and a replay from the archive, unlike the EventBridge envelope's id).
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import (
    STATUS_CONSTANTS,
    DataRecord,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from ordermesh_contracts.sqlite import ThreadConnections

DEFAULT_TABLE_NAME = "idempotency"
EVENT_ID = "powertools_json(body).detail.metadata.eventId"  # of an SQS record from the bus
EVENT_RECORD_EXPIRY_SECONDS = 24 * 3600  # longer than any queue redelivers or the saga waits
# The DynamoDB table powertools' DynamoDBPersistenceLayer uses with its default attribute names,
# as CreateTable takes it (less the name); records expire through TTL on ``expiration``.
DYNAMODB_TABLE: dict[str, Any] = {
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
}
DYNAMODB_TTL_ATTRIBUTE = "expiration"
DEFAULT_BUSY_TIMEOUT_MS = 30_000
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_COLUMNS = "id, status, expiration, in_progress_expiration, data, validation"


class SqlitePersistenceLayer(BasePersistenceLayer):
    """Idempotency records in a table of a SQLite database file.

    Columns: ``id`` (the idempotency key), ``status`` (``INPROGRESS`` or ``COMPLETED``),
    ``expiration`` (epoch seconds), ``in_progress_expiration`` (epoch milliseconds, or NULL when
    the remaining time of the invocation was unknown), ``data`` (the JSON response) and
    ``validation`` (the payload hash, when payload validation is configured).
    """

    def __init__(
        self,
        path: Path | str,
        *,
        table_name: str = DEFAULT_TABLE_NAME,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> None:
        if not _IDENTIFIER.fullmatch(table_name):
            raise ValueError(f"table name {table_name!r} is not a plain SQL identifier")
        super().__init__()  # type: ignore[no-untyped-call]  # powertools leaves it unannotated
        self.path = Path(path)
        self.table_name = table_name
        self.busy_timeout_ms = busy_timeout_ms
        # The table name is a checked identifier (above), so it can be spliced into the SQL.
        table = f'"{table_name}"'
        self._ddl = (
            f"CREATE TABLE IF NOT EXISTS {table} ("
            "id TEXT PRIMARY KEY, status TEXT NOT NULL, expiration INTEGER NOT NULL,"
            " in_progress_expiration INTEGER, data TEXT, validation TEXT);"
            f'CREATE INDEX IF NOT EXISTS "{table_name}_expiration" ON {table} (expiration);'
        )
        self._select_sql = f"SELECT {_COLUMNS} FROM {table} WHERE id = ?"  # noqa: S608
        # Inserts the record, or replaces an expired or timed-out in-progress one; a live record
        # is left as it is and the statement changes no row.
        self._put_sql = (
            f"INSERT INTO {table} ({_COLUMNS}) VALUES (?, ?, ?, ?, NULL, ?)"  # noqa: S608
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status,"
            " expiration = excluded.expiration,"
            " in_progress_expiration = excluded.in_progress_expiration,"
            " data = NULL, validation = excluded.validation"
            " WHERE expiration < ?"
            " OR (status = ? AND in_progress_expiration IS NOT NULL"
            " AND in_progress_expiration < ?)"
        )
        # A NULL validation hash (payload validation off) keeps the stored one.
        self._update_sql = (
            f"INSERT INTO {table} (id, status, expiration, data, validation)"  # noqa: S608
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status,"
            " expiration = excluded.expiration, data = excluded.data,"
            " validation = COALESCE(excluded.validation, validation)"
        )
        self._delete_sql = f"DELETE FROM {table} WHERE id = ?"  # noqa: S608
        self._purge_sql = f"DELETE FROM {table} WHERE expiration < ?"  # noqa: S608
        self._connections = ThreadConnections(
            self.path,
            busy_timeout_ms=busy_timeout_ms,
            row_factory=None,
            on_open=lambda conn: conn.executescript(self._ddl),
        )

    def _get_record(self, idempotency_key: str) -> DataRecord:
        row = self._connection().execute(self._select_sql, (idempotency_key,)).fetchone()
        if row is None:
            raise IdempotencyItemNotFoundError
        return _to_data_record(row)

    def _put_record(self, data_record: DataRecord) -> None:
        now = time.time()
        validation = data_record.payload_hash if self.payload_validation_enabled else ""
        with self._connections.transaction() as conn:
            cursor = conn.execute(
                self._put_sql,
                (
                    data_record.idempotency_key,
                    data_record.status,
                    _expiry(data_record),
                    data_record.in_progress_expiry_timestamp,
                    validation or None,
                    int(now),
                    STATUS_CONSTANTS["INPROGRESS"],
                    int(now * 1000),
                ),
            )
            if cursor.rowcount == 1:
                return
            row = conn.execute(self._select_sql, (data_record.idempotency_key,)).fetchone()
        old_data_record = _to_data_record(row)
        self._validate_payload(data_payload=data_record, stored_data_record=old_data_record)
        self._save_to_cache(data_record=old_data_record)
        raise IdempotencyItemAlreadyExistsError(old_data_record=old_data_record)

    def _update_record(self, data_record: DataRecord) -> None:
        validation = data_record.payload_hash if self.payload_validation_enabled else None
        with self._connections.transaction() as conn:
            conn.execute(
                self._update_sql,
                (
                    data_record.idempotency_key,
                    data_record.status,
                    _expiry(data_record),
                    data_record.response_data,
                    validation,
                ),
            )

    def _delete_record(self, data_record: DataRecord) -> None:
        with self._connections.transaction() as conn:
            conn.execute(self._delete_sql, (data_record.idempotency_key,))

    def purge_expired(self, now: float | None = None) -> int:
        """Delete the records whose expiration (epoch seconds) is before ``now``, by default the
        current time, and return how many were deleted."""
        cutoff = int(time.time() if now is None else now)
        with self._connections.transaction() as conn:
            return conn.execute(self._purge_sql, (cutoff,)).rowcount

    def close(self) -> None:
        """Close this process's connections; a later call opens new ones."""
        self._connections.close()

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, in autocommit mode (transactions are explicit)."""
        return self._connections.connection()


class OncePerEvent:
    """An SQS record handler run at most once per contract event.

    ``handle`` is called with the record as the keyword argument ``record`` and must return
    something JSON can store (``None`` will do). A record whose event was handled before gets the
    stored result without running ``handle``; one whose event is being handled right now (another
    delivery, in another invocation) fails, so its message comes back later; a ``handle`` that
    raises leaves no record, so a retry runs it again. A record without ``metadata.eventId`` is
    an error, not a pass-through.
    """

    def __init__(
        self,
        handle: Callable[..., Any],
        persistence: BasePersistenceLayer,
        *,
        expires_after_seconds: int = EVENT_RECORD_EXPIRY_SECONDS,
    ) -> None:
        self.config = IdempotencyConfig(
            event_key_jmespath="eventId",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_seconds,
        )

        # The utility hashes (and deep-copies) only ``{"eventId": ...}``, not the whole record:
        # the same key as ``EVENT_ID`` on the record gives (same function name, same hashed
        # value), without parsing the body twice more per record.
        @functools.wraps(handle)
        def run(*, event_id: dict[str, Any], record: SQSRecord) -> Any:
            del event_id
            return handle(record=record)

        self._run = idempotent_function(
            data_keyword_argument="event_id", persistence_store=persistence, config=self.config
        )(run)

    def register(self, context: LambdaContext) -> None:
        """Bound in-progress records by the invocation's remaining time (call once per
        invocation): a crashed invocation's record does not block the redelivery for long."""
        self.config.register_lambda_context(context)

    def __call__(self, record: SQSRecord) -> Any:
        return self._run(event_id={"eventId": _event_id(record)}, record=record)


def _event_id(record: SQSRecord) -> Any:
    """``metadata.eventId`` of the contract event in an SQS record's body (None if it has none:
    the utility then raises, as for any record without a key)."""
    try:
        body = json.loads(record.body)
    except (TypeError, ValueError):
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    metadata = detail.get("metadata") if isinstance(detail, dict) else None
    return metadata.get("eventId") if isinstance(metadata, dict) else None


def _expiry(data_record: DataRecord) -> int:
    if data_record.expiry_timestamp is None:
        raise ValueError(f"idempotency record {data_record.idempotency_key} has no expiry")
    return int(data_record.expiry_timestamp)


def _to_data_record(row: tuple[str, str, int, int | None, str | None, str | None]) -> DataRecord:
    key, status, expiration, in_progress_expiration, data, validation = row
    return DataRecord(
        idempotency_key=key,
        status=status,
        expiry_timestamp=expiration,
        in_progress_expiry_timestamp=in_progress_expiration,
        response_data=data or "",
        payload_hash=validation or "",
    )
