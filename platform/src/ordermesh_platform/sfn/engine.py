"""The local Step Functions service: state machines and their executions, kept in SQLite.

The API mirrors AWS's (request and response fields as the JSON 1.0 protocol spells them, dates
as epoch seconds); the HTTP endpoint (``sfn.wire``) and the CLI call it, and so do tests.

Executions are durable (decision note 2026-11-22-saga-engine-durability.md). A Standard
execution's interpreter tree is written to ``sfn_executions.snapshot`` at every transition of
its top-level states, when it blocks, and before every Task call, in the same transaction as its
new history events. A worker (``run_due``) claims executions that are due (``next_at``), runs
each until it blocks or ends, and releases it with the time it next wants to run: a Wait's end,
a retry back-off, a task timeout, or none (waiting for a task token). ``SendTaskSuccess`` and
friends store a signal and make the execution due, so a token works across a restart. Express
executions are kept only when they end (AWS keeps no history for them either). Lambda calls
are started and not waited for: an execution sits out the worker's rounds while its calls are
under way (decision note 2026-11-22-task-calls-under-way.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import random
import re
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from ordermesh_platform.runtime.aws import ACCOUNT, REGION, AwsError, new_id, state_machine_arn
from ordermesh_platform.runtime.clock import Clock
from ordermesh_platform.runtime.store import Store
from ordermesh_platform.sfn.errors import STATES_RUNTIME
from ordermesh_platform.sfn.interpreter import (
    BLOCKED,
    DONE,
    Execution,
    Integrations,
    NoIntegrations,
    awaits_reply,
)
from ordermesh_platform.sfn.validation import InvalidDefinition, validate_definition

logger = logging.getLogger(__name__)

EXECUTIONS_CHANNEL = "sfn:executions"  # store channel notified when an execution becomes due

SCHEMA = """
CREATE TABLE IF NOT EXISTS sfn_state_machines (
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    role_arn TEXT NOT NULL,
    type TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL
);
CREATE TABLE IF NOT EXISTS sfn_definitions (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sfn_executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    arn TEXT NOT NULL UNIQUE,
    state_machine_arn TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    start_date REAL NOT NULL,
    stop_date REAL,
    definition_id INTEGER NOT NULL REFERENCES sfn_definitions (id),
    role_arn TEXT NOT NULL,
    snapshot TEXT,
    next_at REAL,
    lease_until REAL,
    redrive_count INTEGER NOT NULL DEFAULT 0,
    redrive_date REAL
);
CREATE INDEX IF NOT EXISTS sfn_executions_due ON sfn_executions (next_at)
    WHERE next_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS sfn_executions_by_machine
    ON sfn_executions (state_machine_arn, seq);
CREATE TABLE IF NOT EXISTS sfn_history (
    seq INTEGER PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    id INTEGER NOT NULL,
    event TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS sfn_history_by_execution ON sfn_history (execution_arn, id);
CREATE TABLE IF NOT EXISTS sfn_tokens (
    token TEXT PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sfn_signals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_arn TEXT NOT NULL,
    token TEXT NOT NULL,
    signal TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sfn_signals_by_execution ON sfn_signals (execution_arn, seq);
"""

DEFAULT_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ordermesh-local-states"
LEASE_SECONDS = 900.0  # longer than any local Task call; cleared when the runtime starts
REDRIVE_WINDOW = 14 * 24 * 3600.0
MAX_INPUT_BYTES = 262_144
MAX_RESULTS = 1000
MAX_RUN_FAILURES = 5  # runs of one execution that raise before it is failed
_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,80}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{64}$")
_ERROR_MAX = 256
_CAUSE_MAX = 32_768

Type = Literal["STANDARD", "EXPRESS"]


def execution_arn(machine_name: str, name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{machine_name}:{name}"


def _stored(value: Any) -> str:
    """Compact JSON for the engine's own rows (snapshots, events): orjson, which is several
    times faster than json; integers beyond 64 bits fall back to json."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _json(value)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _migrate(conn: sqlite3.Connection) -> None:
    """Move the definitions of a store written before ``sfn_definitions`` out of the
    execution rows (each row held its own copy of its definition)."""
    columns = {row["name"] for row in conn.execute("PRAGMA table_info(sfn_executions)")}
    if "definition_id" in columns:
        return
    conn.execute(
        "ALTER TABLE sfn_executions ADD COLUMN definition_id INTEGER "
        "REFERENCES sfn_definitions (id)"
    )
    for (text,) in conn.execute("SELECT DISTINCT definition FROM sfn_executions").fetchall():
        conn.execute(
            "UPDATE sfn_executions SET definition_id = ? WHERE definition = ?",
            (_definition_id(conn, text), text),
        )
    conn.execute("ALTER TABLE sfn_executions DROP COLUMN definition")


def _definition_id(conn: sqlite3.Connection, text: str) -> int:
    """The id of a definition's text in ``sfn_definitions``, added if it is new."""
    digest = hashlib.sha256(text.encode()).hexdigest()
    conn.execute(
        "INSERT OR IGNORE INTO sfn_definitions (digest, definition) VALUES (?, ?)", (digest, text)
    )
    row = conn.execute("SELECT id FROM sfn_definitions WHERE digest = ?", (digest,)).fetchone()
    definition_id: int = row["id"]
    return definition_id


def _parse_input(text: str | None, field: str = "input") -> Any:
    text = "{}" if text is None else text
    if len(text.encode()) > MAX_INPUT_BYTES:
        raise AwsError(
            "InvalidExecutionInput" if field == "input" else "InvalidOutput",
            f"The {field} exceeds the maximum size of {MAX_INPUT_BYTES} bytes",
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        code = "InvalidExecutionInput" if field == "input" else "InvalidOutput"
        raise AwsError(code, f"Invalid State Machine Execution {field}: '{err.msg}'") from None


def _encode_page(scope: str, last: Any) -> str:
    return base64.urlsafe_b64encode(_json({"scope": scope, "after": last}).encode()).decode()


def _decode_page(token: str, scope: str) -> Any:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        decoded = None
    if not isinstance(decoded, dict) or decoded.get("scope") != scope:
        raise AwsError("InvalidToken", f"Invalid Token: '{token}'")
    return decoded.get("after")


def _paged(
    key: str,
    items: list[tuple[Any, dict[str, Any]]],
    max_results: int | None,
    next_token: str | None,
    *,
    scope: str,
    descending: bool = False,
) -> dict[str, Any]:
    """A List* response: one page of ``items`` ((sort key, item) pairs in order) under ``key``.

    The token names the last item returned (not an offset), so items added between pages
    neither repeat nor go missing; it is only good for the same listing (``scope``).
    """
    limit = 100 if max_results is None or max_results == 0 else max_results
    if not 0 < limit <= MAX_RESULTS:
        raise AwsError(
            "ValidationException",
            f"1 validation error detected: Value '{limit}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value between 0 and {MAX_RESULTS}",
        )
    start = 0
    if next_token:
        after = _decode_page(next_token, scope)
        start = next(
            (
                index
                for index, (sort_key, _) in enumerate(items)
                if (sort_key < after if descending else sort_key > after)
            ),
            len(items),
        )
    chunk = items[start : start + limit]
    result: dict[str, Any] = {key: [item for _, item in chunk]}
    if start + limit < len(items):
        result["nextToken"] = _encode_page(scope, chunk[-1][0])
    return result


@dataclass(frozen=True)
class StepFunctionsOptions:
    max_steps_per_run: int = 100_000  # one execution's steps before the worker yields it
    seed: int | None = None  # seeds $random/States.UUID/jitter (tests); None = system entropy


class StepFunctions:
    """State machines and executions on the local runtime."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        integrations: Integrations | None = None,
        options: StepFunctionsOptions | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.integrations = integrations or NoIntegrations()
        self.options = options or StepFunctionsOptions()
        self._rng = random.Random(self.options.seed)  # noqa: S311 - not for secrets
        self._run_failures: dict[str, int] = {}
        self._definition_ids: dict[str, int] = {}  # definition text -> its sfn_definitions id
        self._definitions: dict[int, dict[str, Any]] = {}  # id -> parsed (ids never change)
        store.ensure_schema(SCHEMA)
        with store.write() as conn:
            _migrate(conn)

    # --- state machines -----------------------------------------------------------------------
    def create_state_machine(
        self,
        name: str,
        definition: str | dict[str, Any],
        *,
        role_arn: str = DEFAULT_ROLE_ARN,
        type: Type = "STANDARD",  # noqa: A002 - AWS's field name
    ) -> dict[str, Any]:
        """CreateStateMachine. The same name and definition again returns the existing one."""
        if not _NAME.match(name):
            raise AwsError("InvalidName", f"Invalid Name: '{name}'")
        if type not in {"STANDARD", "EXPRESS"}:
            raise AwsError("ValidationException", f"Invalid type: '{type}'")
        try:
            parsed = validate_definition(definition, state_machine_type=type)
        except InvalidDefinition as err:
            raise AwsError("InvalidDefinition", err.message) from None
        text = _json(parsed)
        arn = state_machine_arn(name)
        now = self.clock.now()
        with self.store.write() as conn:
            row = conn.execute(
                "SELECT definition, role_arn, type, created_at FROM sfn_state_machines "
                "WHERE arn = ?",
                (arn,),
            ).fetchone()
            if row is not None:
                if (row["definition"], row["role_arn"], row["type"]) != (text, role_arn, type):
                    raise AwsError(
                        "StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'"
                    )
                return {"stateMachineArn": arn, "creationDate": row["created_at"]}
            conn.execute(
                "INSERT INTO sfn_state_machines (arn, name, definition, role_arn, type, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (arn, name, text, role_arn, type, now),
            )
        return {"stateMachineArn": arn, "creationDate": now}

    def put_state_machine(
        self,
        name: str,
        definition: str | dict[str, Any],
        *,
        role_arn: str = DEFAULT_ROLE_ARN,
        type: Type = "STANDARD",  # noqa: A002
    ) -> str:
        """Create or update (the runtime's deploy step); the state machine's ARN."""
        arn = state_machine_arn(name)
        if self._machine(arn, required=False) is None:
            self.create_state_machine(name, definition, role_arn=role_arn, type=type)
        else:
            self.update_state_machine(arn, definition=definition, role_arn=role_arn)
        return arn

    def _machine(self, arn: str, *, required: bool = True) -> sqlite3.Row | None:
        row: sqlite3.Row | None = (
            self.store.connection()
            .execute("SELECT * FROM sfn_state_machines WHERE arn = ?", (arn,))
            .fetchone()
        )
        if row is None and required:
            if not arn.startswith("arn:aws:states:"):
                raise AwsError("InvalidArn", f"Invalid Arn: '{arn}'")
            raise AwsError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return row

    def describe_state_machine(self, arn: str) -> dict[str, Any]:
        row = self._machine(arn)
        assert row is not None  # noqa: S101 - _machine raises otherwise
        return {
            "stateMachineArn": row["arn"],
            "name": row["name"],
            "status": "ACTIVE",
            "definition": row["definition"],
            "roleArn": row["role_arn"],
            "type": row["type"],
            "creationDate": row["created_at"],
            "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
        }

    def update_state_machine(
        self,
        arn: str,
        *,
        definition: str | dict[str, Any] | None = None,
        role_arn: str | None = None,
    ) -> dict[str, Any]:
        row = self._machine(arn)
        assert row is not None  # noqa: S101
        text = row["definition"]
        if definition is not None:
            try:
                text = _json(validate_definition(definition, state_machine_type=row["type"]))
            except InvalidDefinition as err:
                raise AwsError("InvalidDefinition", err.message) from None
        now = self.clock.now()
        with self.store.write() as conn:
            conn.execute(
                "UPDATE sfn_state_machines SET definition = ?, role_arn = ?, updated_at = ? "
                "WHERE arn = ?",
                (text, role_arn or row["role_arn"], now, arn),
            )
        return {"updateDate": now}

    def delete_state_machine(self, arn: str) -> dict[str, Any]:
        with self.store.write() as conn:
            conn.execute("DELETE FROM sfn_state_machines WHERE arn = ?", (arn,))
        return {}

    def list_state_machines(
        self, *, max_results: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        rows = self.store.connection().execute(
            "SELECT arn, name, type, created_at FROM sfn_state_machines ORDER BY name"
        )
        items = [
            (
                r["name"],
                {
                    "stateMachineArn": r["arn"],
                    "name": r["name"],
                    "type": r["type"],
                    "creationDate": r["created_at"],
                },
            )
            for r in rows
        ]
        return _paged("stateMachines", items, max_results, next_token, scope="ListStateMachines")

    # --- starting -----------------------------------------------------------------------------
    def start_execution(
        self,
        state_machine_arn: str,
        *,
        name: str | None = None,
        input: str | None = None,  # noqa: A002
    ) -> dict[str, Any]:
        """StartExecution. Idempotent as on AWS: the same name and input as a *running*
        execution returns it; a closed one, or other input, is ``ExecutionAlreadyExists``."""
        response, _ = self._start(state_machine_arn, name, input, leased=False)
        return response

    def _start(
        self,
        state_machine_arn: str,
        name: str | None,
        input_text: str | None,
        *,
        leased: bool,
    ) -> tuple[dict[str, Any], bool]:
        """Insert the execution (due now, or ``leased`` by the caller); the response and
        whether it is new."""
        machine = self._machine(state_machine_arn)
        assert machine is not None  # noqa: S101
        name = name or new_id()
        if not _NAME.match(name):
            raise AwsError("InvalidName", f"Invalid Name: '{name}'")
        input_text = "{}" if input_text is None else input_text
        _parse_input(input_text)
        arn = execution_arn(machine["name"], name)
        now = self.clock.now()
        with self.store.write() as conn:
            existing = conn.execute(
                "SELECT status, input, start_date FROM sfn_executions WHERE arn = ?", (arn,)
            ).fetchone()
            if existing is not None:
                if existing["status"] == "RUNNING" and existing["input"] == input_text:
                    return {"executionArn": arn, "startDate": existing["start_date"]}, False
                raise AwsError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
            definition_id = self._definition_ids.get(machine["definition"])
            if definition_id is None:
                definition_id = _definition_id(conn, machine["definition"])
            self._insert_execution(
                conn,
                machine,
                arn,
                name,
                input_text,
                now,
                definition_id=definition_id,
                leased=leased,
            )
        if not conn.in_transaction:  # committed (not part of a caller's transaction): keep it
            self._definition_ids[machine["definition"]] = definition_id
        return {"executionArn": arn, "startDate": now}, True

    def _insert_execution(  # noqa: PLR0913 - the new row's columns
        self,
        conn: sqlite3.Connection,
        machine: sqlite3.Row,
        arn: str,
        name: str,
        input_text: str,
        now: float,
        *,
        definition_id: int,
        leased: bool,
    ) -> None:
        conn.execute(
            "INSERT INTO sfn_executions (arn, state_machine_arn, name, type, status, input, "
            "start_date, definition_id, role_arn, next_at, lease_until) "
            "VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)",
            (
                arn,
                machine["arn"],
                name,
                machine["type"],
                input_text,
                now,
                definition_id,
                machine["role_arn"],
                None if leased else now,
                now + LEASE_SECONDS if leased else None,
            ),
        )
        if not leased:
            self.store.notify(EXECUTIONS_CHANNEL)

    def _execution_definition(self, definition_id: int) -> dict[str, Any]:
        definition = self._definitions.get(definition_id)
        if definition is None:
            row = (
                self.store.connection()
                .execute("SELECT definition FROM sfn_definitions WHERE id = ?", (definition_id,))
                .fetchone()
            )
            definition = self._definitions[definition_id] = json.loads(row["definition"])
        return definition

    def start_sync_execution(
        self,
        state_machine_arn: str,
        *,
        name: str | None = None,
        input: str | None = None,  # noqa: A002
    ) -> dict[str, Any]:
        """StartSyncExecution (Express only): runs to the end in this thread."""
        machine = self._machine(state_machine_arn)
        assert machine is not None  # noqa: S101
        if machine["type"] != "EXPRESS":
            raise AwsError(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            )
        result, new = self._start(state_machine_arn, name, input, leased=True)
        arn = result["executionArn"]
        if not new:
            raise AwsError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
        self._run(arn)
        described = self.describe_execution(arn)
        response: dict[str, Any] = {
            key: described[key]
            for key in (
                "executionArn",
                "stateMachineArn",
                "name",
                "startDate",
                "stopDate",
                "status",
                "error",
                "cause",
                "input",
                "inputDetails",
                "output",
                "outputDetails",
            )
            if key in described
        }
        billed = int(((described.get("stopDate") or 0) - described["startDate"]) * 1000)
        response["billingDetails"] = {
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": max(billed, 100),
        }
        return response

    # --- reading ------------------------------------------------------------------------------
    def _execution(self, arn: str) -> sqlite3.Row:
        row: sqlite3.Row | None = (
            self.store.connection()
            .execute("SELECT * FROM sfn_executions WHERE arn = ?", (arn,))
            .fetchone()
        )
        if row is None:
            if not arn.startswith("arn:aws:states:"):
                raise AwsError("InvalidArn", f"Invalid Arn: '{arn}'")
            raise AwsError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return row

    def describe_execution(self, arn: str) -> dict[str, Any]:
        row = self._execution(arn)
        result: dict[str, Any] = {
            "executionArn": row["arn"],
            "stateMachineArn": row["state_machine_arn"],
            "name": row["name"],
            "status": row["status"],
            "startDate": row["start_date"],
            "input": row["input"],
            "inputDetails": {"included": True},
            "redriveCount": row["redrive_count"],
        }
        if row["stop_date"] is not None:
            result["stopDate"] = row["stop_date"]
        if row["output"] is not None:
            result["output"] = row["output"]
            result["outputDetails"] = {"included": True}
        if row["error"] is not None:
            result["error"] = row["error"]
        if row["cause"] is not None:
            result["cause"] = row["cause"]
        if row["redrive_date"] is not None:
            result["redriveDate"] = row["redrive_date"]
        status, reason = self._redrive_status(row)
        result["redriveStatus"] = status
        if reason:
            result["redriveStatusReason"] = reason
        return result

    def _redrive_status(self, row: sqlite3.Row) -> tuple[str, str | None]:
        if row["type"] == "EXPRESS":
            return "NOT_REDRIVABLE", "Execution is EXPRESS and cannot be redriven"
        if row["status"] in {"RUNNING", "SUCCEEDED", "PENDING_REDRIVE"}:
            return "NOT_REDRIVABLE", f"Execution is {row['status']} and cannot be redriven"
        if row["stop_date"] is not None and self.clock.now() - row["stop_date"] > REDRIVE_WINDOW:
            return "NOT_REDRIVABLE", "Execution can no longer be redriven (more than 14 days)"
        if row["snapshot"] is None:
            return "NOT_REDRIVABLE", "Execution has no state to redrive from"
        return "REDRIVABLE", None

    def list_executions(
        self,
        state_machine_arn: str,
        *,
        status_filter: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """ListExecutions, newest first, optionally only those with ``status_filter``."""
        self._machine(state_machine_arn)
        sql = (
            "SELECT seq, arn, state_machine_arn, name, status, start_date, stop_date, "
            "redrive_count, "
            "redrive_date FROM sfn_executions WHERE state_machine_arn = ?"
        )
        params: list[Any] = [state_machine_arn]
        if status_filter:
            statuses = {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"}
            if status_filter not in statuses:
                raise AwsError(
                    "ValidationException",
                    f"1 validation error detected: Value '{status_filter}' at 'statusFilter' "
                    f"failed to satisfy constraint: Member must satisfy enum value set: "
                    f"{sorted(statuses)}",
                )
            sql += " AND status = ?"
            params.append(status_filter)
        rows = self.store.connection().execute(sql + " ORDER BY seq DESC", params).fetchall()
        items = []
        for r in rows:
            item = {
                "executionArn": r["arn"],
                "stateMachineArn": r["state_machine_arn"],
                "name": r["name"],
                "status": r["status"],
                "startDate": r["start_date"],
                "redriveCount": r["redrive_count"],
            }
            if r["stop_date"] is not None:
                item["stopDate"] = r["stop_date"]
            if r["redrive_date"] is not None:
                item["redriveDate"] = r["redrive_date"]
            items.append((r["seq"], item))
        return _paged(
            "executions",
            items,
            max_results,
            next_token,
            scope=f"ListExecutions:{state_machine_arn}:{status_filter or ''}",
            descending=True,
        )

    def get_execution_history(
        self,
        arn: str,
        *,
        max_results: int | None = None,
        next_token: str | None = None,
        reverse_order: bool = False,
        include_execution_data: bool = True,
    ) -> dict[str, Any]:
        """GetExecutionHistory: AWS's events (oldest first unless ``reverse_order``)."""
        row = self._execution(arn)
        if row["type"] == "EXPRESS":
            raise AwsError(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            )
        order = "DESC" if reverse_order else "ASC"
        rows = self.store.connection().execute(
            f"SELECT event FROM sfn_history WHERE execution_arn = ? ORDER BY id {order}",  # noqa: S608 - fixed words
            (arn,),
        )
        events = [orjson.loads(r["event"]) for r in rows]
        if not include_execution_data:
            events = [_without_data(event) for event in events]
        return _paged(
            "events",
            [(event["id"], event) for event in events],
            max_results,
            next_token,
            scope=f"GetExecutionHistory:{arn}:{order}",
            descending=reverse_order,
        )

    # --- control ------------------------------------------------------------------------------
    def stop_execution(
        self, arn: str, *, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        """StopExecution: a running execution ends ABORTED; a closed one is left as it is."""
        _check_error_and_cause(error, cause)
        row = self._execution(arn)
        if row["status"] != "RUNNING":
            return {"stopDate": row["stop_date"] or self.clock.now()}
        with self.store.write() as conn:
            row = conn.execute("SELECT * FROM sfn_executions WHERE arn = ?", (arn,)).fetchone()
            if row["status"] != "RUNNING":
                return {"stopDate": row["stop_date"]}
            if row["lease_until"] is not None:
                # A worker is running it: the stop is a signal the worker applies next.
                conn.execute(
                    "INSERT INTO sfn_signals (execution_arn, token, signal) VALUES (?, '', ?)",
                    (arn, _json({"stop": {"error": error, "cause": cause}})),
                )
                return {"stopDate": self.clock.now()}
            execution = self._load(row)
            execution.stop(error, cause)
            self._persist(conn, row, execution, final=True)
        return {"stopDate": self.clock.now()}

    def redrive_execution(self, arn: str, *, client_token: str | None = None) -> dict[str, Any]:
        """RedriveExecution: a FAILED, TIMED_OUT or ABORTED Standard execution (within 14 days)
        runs again from the state where it stopped."""
        del client_token  # redrives are idempotent by status: a running one is not redriven
        self._execution(arn)
        now = self.clock.now()
        with self.store.write() as conn:  # checked and changed in one transaction
            row = conn.execute("SELECT * FROM sfn_executions WHERE arn = ?", (arn,)).fetchone()
            status, reason = self._redrive_status(row)
            if status != "REDRIVABLE":
                raise AwsError("ExecutionNotRedrivable", reason or "Execution cannot be redriven")
            execution = self._load(row)
            execution.redrive()
            self._persist(conn, row, execution, final=False)
            conn.execute(
                "UPDATE sfn_executions SET status = 'RUNNING', output = NULL, error = NULL, "
                "cause = NULL, stop_date = NULL, redrive_count = redrive_count + 1, "
                "redrive_date = ?, next_at = ? WHERE arn = ?",
                (now, now, arn),
            )
            self.store.notify(EXECUTIONS_CHANNEL)
        return {"redriveDate": now}

    # --- task tokens --------------------------------------------------------------------------
    def send_task_success(self, task_token: str, output: str) -> dict[str, Any]:
        value = _parse_input(output, "output")
        self._signal(task_token, {"output": value}, close=True)
        return {}

    def send_task_failure(
        self, task_token: str, *, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        _check_error_and_cause(error, cause)
        self._signal(task_token, {"error": error, "cause": cause}, close=True)
        return {}

    def send_task_heartbeat(self, task_token: str) -> dict[str, Any]:
        self._signal(task_token, {"heartbeat": True}, close=False)
        return {}

    def _signal(self, token: str, signal: dict[str, Any], *, close: bool) -> None:
        if not _TOKEN.match(token or ""):
            raise AwsError("InvalidToken", "Invalid Token: 'The task token is malformed'")
        with self.store.write() as conn:
            row = conn.execute(
                "SELECT execution_arn, status FROM sfn_tokens WHERE token = ?", (token,)
            ).fetchone()
            if row is None or row["status"] == "closed":
                raise AwsError(
                    "TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'"
                )
            if row["status"] == "timed-out":
                raise AwsError(
                    "TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'"
                )
            conn.execute(
                "INSERT INTO sfn_signals (execution_arn, token, signal) VALUES (?, ?, ?)",
                (row["execution_arn"], token, _json(signal)),
            )
            if close:
                conn.execute("UPDATE sfn_tokens SET status = 'closed' WHERE token = ?", (token,))
            conn.execute(
                "UPDATE sfn_executions SET next_at = ? WHERE arn = ?",
                (self.clock.now(), row["execution_arn"]),
            )
            self.store.notify(EXECUTIONS_CHANNEL)

    # --- running ------------------------------------------------------------------------------
    def recover(self) -> None:
        """After a restart: executions leased by a process that died are due again."""
        with self.store.write() as conn:
            conn.execute(
                "UPDATE sfn_executions SET lease_until = NULL, next_at = COALESCE(next_at, ?) "
                "WHERE lease_until IS NOT NULL",
                (self.clock.now(),),
            )

    def next_due(self) -> float | None:
        row = (
            self.store.connection()
            .execute("SELECT MIN(next_at) AS at FROM sfn_executions WHERE lease_until IS NULL")
            .fetchone()
        )
        at: float | None = row["at"]
        return at

    def run_due(self, limit: int = 20) -> int:
        """Run executions that are due until each blocks or ends; how many ran."""
        rows = self._claim(limit)
        self._run_rows(rows)
        return len(rows)

    def _run_rows(self, rows: list[sqlite3.Row]) -> None:
        """Advance the claimed executions in rounds: each makes one transition (or blocks, or
        ends), then one transaction stores all their snapshots and events. Every transition is
        stored before the execution makes the next one, and every Task call's intent before
        the call; the commit is shared by the round.

        Lambda calls are started, not waited for: an execution whose calls are under way sits
        out the rounds until one is done, so a slow function holds back neither the others'
        transitions nor their storing. A call that must be made synchronously stores what the
        others did first."""
        runs = self._prepare_all(rows)
        calling: list[_Run] = []
        wakeup = threading.Event()
        while runs or calling:
            pending: list[_Run] = []
            for run in runs:
                if run.calls_next and run.execution.start_calls(wakeup.set) and pending:
                    self._store_round(pending)  # before a call that may take long
                    pending = []
                try:
                    self._advance(run)
                except Exception as exc:  # noqa: BLE001 - kept for _run_failed below
                    run.error = exc
                if run.error is not None or run.progress is not None or run.changed:
                    pending.append(run)
            self._store_round(pending)
            active = [run for run in runs if run.error is None and run.progress is None]
            calling += [run for run in active if run.calling]
            runs = [run for run in active if not run.calling]
            if calling:
                runs += self._calls_done(calling, wakeup, block=not runs)

    def _calls_done(
        self, calling: list[_Run], wakeup: threading.Event, *, block: bool
    ) -> list[_Run]:
        """Take the executions out of ``calling`` that have a call done; with ``block``, wait
        for one (or for a call's timeout)."""
        wakeup.clear()
        done = [run for run in calling if run.execution.call_done()]
        if not done and block:
            waits = [w for w in (run.execution.call_wait() for run in calling) if w is not None]
            if waits:
                wakeup.wait(min(waits))
                done = [run for run in calling if run.execution.call_done()]
            else:
                done = list(calling)  # nothing left to wait for: step them and see
        for run in done:
            calling.remove(run)
            run.calling = False
        return done

    def _prepare_all(self, rows: list[sqlite3.Row]) -> list[_Run]:
        runs: list[_Run] = []
        for row in rows:
            try:
                run = self._prepare(row)
            except Exception as exc:  # noqa: BLE001 - one broken execution must not stop the rest
                self._run_failed(row["arn"], exc)
                continue
            if run is not None:
                runs.append(run)
        return runs

    def _store_round(self, runs: list[_Run]) -> None:
        with self.store.write() as conn:
            for run in runs:
                if run.error is None:
                    self._persist(
                        conn,
                        run.row,
                        run.execution,
                        final=run.progress is not None,
                        progress=run.progress,
                        signals_upto=run.signals_upto,
                    )
                    run.signals_upto = 0
        for run in runs:
            if run.error is not None:
                self._run_failed(run.row["arn"], run.error)
            elif run.progress is not None:
                self._run_failures.pop(run.row["arn"], None)

    def _prepare(self, row: sqlite3.Row) -> _Run | None:
        if row["status"] != "RUNNING":
            self._release(row["arn"])
            return None
        execution = self._load(row)
        signals_upto = self._apply_signals(row["arn"], execution)
        calls_next = any(
            frame["status"] == "running" and frame["phase"] == "call"
            for frame in execution.frames()
        )
        return _Run(
            row,
            execution,
            durable=row["type"] == "STANDARD",
            signals_upto=signals_upto,
            calls_next=calls_next,
        )

    def _advance(self, run: _Run) -> None:
        """Step ``run`` to its next transition (a Standard execution) or until it blocks."""
        execution = run.execution
        root = execution.root
        moved = False
        while run.steps < self.options.max_steps_per_run:
            state_before = root["state"]
            progress = execution.step()
            run.steps += 1
            if progress == BLOCKED and execution.calls_under_way():
                run.calling = True  # back when a call is done; stored if anything else moved
                run.changed = moved or bool(execution.events)
                return
            run.changed = moved = True
            if progress in {BLOCKED, DONE}:
                run.progress = progress
                return
            if not run.durable:
                continue
            run.calls_next = _calls_next(execution)
            if run.calls_next or root["state"] != state_before:
                return  # every transition, and every call's intent, is stored before the next
        run.progress = "YIELD"

    def _run_failed(self, arn: str, exc: Exception) -> None:
        failures = self._run_failures.get(arn, 0) + 1
        self._run_failures[arn] = failures
        logger.error("execution %s failed run %d", arn, failures, exc_info=exc)
        self._after_run_failure(arn, exc, give_up=failures >= MAX_RUN_FAILURES)

    def _after_run_failure(self, arn: str, exc: Exception, *, give_up: bool) -> None:
        """Try a failed run again a second later; after a few failures, fail the execution
        (States.Runtime, with the engine's error as the cause) rather than loop forever."""
        now = self.clock.now()
        with self.store.write() as conn:
            if not give_up:
                conn.execute(
                    "UPDATE sfn_executions SET lease_until = NULL, next_at = ? WHERE arn = ?",
                    (now + 1.0, arn),
                )
                return
            self._run_failures.pop(arn, None)
            cause = f"The local engine could not run the execution: {exc!r}"
            last = (
                conn.execute(
                    "SELECT MAX(id) AS id FROM sfn_history WHERE execution_arn = ?", (arn,)
                ).fetchone()["id"]
                or 0
            )
            event = {
                "timestamp": now,
                "type": "ExecutionFailed",
                "id": last + 1,
                "previousEventId": last,
                "executionFailedEventDetails": {"error": STATES_RUNTIME, "cause": cause},
            }
            conn.execute(
                "INSERT INTO sfn_history (execution_arn, id, event) VALUES (?, ?, ?)",
                (arn, last + 1, _json(event)),
            )
            conn.execute(
                "UPDATE sfn_executions SET status = 'FAILED', error = ?, cause = ?, "
                "stop_date = ?, next_at = NULL, lease_until = NULL WHERE arn = ?",
                (STATES_RUNTIME, cause, now, arn),
            )

    def run_until_idle(self, *, advance_clock: bool = False, max_rounds: int = 100_000) -> int:
        """Run due executions in this thread until none is due; with ``advance_clock`` (a
        ``ManualClock``), jump to the next timer instead of stopping. Executions run."""
        handled = 0
        for _ in range(max_rounds):
            ran = self.run_due()
            handled += ran
            if ran:
                continue
            due = self.next_due()
            if not advance_clock or due is None:
                break
            advance = getattr(self.clock, "advance", None)
            if advance is None:
                break
            advance(max(due - self.clock.now(), 0.0))
        return handled

    def _claim(self, limit: int) -> list[sqlite3.Row]:
        now = self.clock.now()
        with self.store.write() as conn:
            rows: list[sqlite3.Row] = conn.execute(
                "SELECT * FROM sfn_executions WHERE next_at <= ? AND lease_until IS NULL "
                "ORDER BY next_at LIMIT ?",
                (now, limit),
            ).fetchall()
            conn.executemany(
                "UPDATE sfn_executions SET lease_until = ? WHERE arn = ?",
                [(now + LEASE_SECONDS, row["arn"]) for row in rows],
            )
        return rows

    def _load(self, row: sqlite3.Row) -> Execution:
        snapshot = orjson.loads(row["snapshot"]) if row["snapshot"] else None
        return Execution(
            self._execution_definition(row["definition_id"]),
            execution_arn=row["arn"],
            state_machine_arn=row["state_machine_arn"],
            name=row["name"],
            execution_input=json.loads(row["input"]),
            start_time=row["start_date"],
            role_arn=row["role_arn"],
            now=self.clock.now,
            integrations=self.integrations,
            rng=random.Random(self._rng.getrandbits(64)),  # noqa: S311
            snapshot=snapshot,
        )

    def _run(self, arn: str) -> None:
        """Run one execution this caller holds until it blocks or ends."""
        self._run_rows([self._execution(arn)])

    def _apply_signals(self, arn: str, execution: Execution) -> int:
        rows = (
            self.store.connection()
            .execute(
                "SELECT seq, token, signal FROM sfn_signals WHERE execution_arn = ? ORDER BY seq",
                (arn,),
            )
            .fetchall()
        )
        last = 0
        for r in rows:
            signal = json.loads(r["signal"])
            if "stop" in signal:
                if execution.status == "RUNNING":
                    execution.stop(signal["stop"]["error"], signal["stop"]["cause"])
            elif not execution.deliver(r["token"], signal):
                logger.warning("execution %s: no task waits for a delivered token", arn)
            last = r["seq"]
        return last

    def _persist(
        self,
        conn: sqlite3.Connection,
        row: sqlite3.Row,
        execution: Execution,
        *,
        final: bool,
        progress: str | None = None,
        signals_upto: int = 0,
    ) -> None:
        """Write the new events and the snapshot; with ``final``, release the lease."""
        arn = row["arn"]
        events = execution.take_events()
        if events and row["type"] == "STANDARD":
            conn.executemany(
                "INSERT INTO sfn_history (execution_arn, id, event) VALUES (?, ?, ?)",
                [(arn, e["id"], _stored(e)) for e in events],
            )
        if signals_upto:
            conn.execute(
                "DELETE FROM sfn_signals WHERE execution_arn = ? AND seq <= ?", (arn, signals_upto)
            )
        self._sync_tokens(conn, arn, execution)
        status = execution.status
        state = execution.state
        now = self.clock.now()
        if status != "RUNNING":
            conn.execute(
                "UPDATE sfn_executions SET status = ?, output = ?, error = ?, cause = ?, "
                "stop_date = ?, snapshot = ?, next_at = NULL, lease_until = NULL WHERE arn = ?",
                (
                    status,
                    _json(state["output"]) if status == "SUCCEEDED" else None,
                    state["error"],
                    state["cause"],
                    now,
                    _stored(state),
                    arn,
                ),
            )
            conn.execute("DELETE FROM sfn_signals WHERE execution_arn = ?", (arn,))
            return
        if not final:
            conn.execute(
                "UPDATE sfn_executions SET snapshot = ? WHERE arn = ?", (_stored(state), arn)
            )
            return
        next_at = execution.wake_at()
        if progress == "YIELD":
            next_at = now
        pending = conn.execute(
            "SELECT 1 FROM sfn_signals WHERE execution_arn = ? LIMIT 1", (arn,)
        ).fetchone()
        if pending is not None:
            next_at = now
        conn.execute(
            "UPDATE sfn_executions SET snapshot = ?, next_at = ?, lease_until = NULL WHERE arn = ?",
            (_stored(state), next_at, arn),
        )
        if next_at is not None and next_at <= now:
            self.store.notify(EXECUTIONS_CHANNEL)

    def _sync_tokens(self, conn: sqlite3.Connection, arn: str, execution: Execution) -> None:
        """Register the tokens tasks may be sent; mark timed-out ones."""
        for frame in execution.frames():
            token = frame.get("token")
            if not token:
                continue
            if awaits_reply(frame):
                conn.execute(
                    "INSERT OR IGNORE INTO sfn_tokens (token, execution_arn, status, created_at) "
                    "VALUES (?, ?, 'open', ?)",
                    (token, arn, self.clock.now()),
                )
            else:
                frame["token"] = None
                status = "timed-out" if frame.get("timed_out") else "closed"
                conn.execute(
                    "UPDATE sfn_tokens SET status = ? WHERE token = ? AND status = 'open'",
                    (status, token),
                )
        if execution.status != "RUNNING":
            conn.execute(
                "UPDATE sfn_tokens SET status = 'closed' WHERE execution_arn = ? "
                "AND status = 'open'",
                (arn,),
            )

    def _release(self, arn: str) -> None:
        with self.store.write() as conn:
            conn.execute(
                "UPDATE sfn_executions SET lease_until = NULL, next_at = NULL WHERE arn = ?",
                (arn,),
            )


@dataclass
class _Run:
    """An execution a worker is advancing."""

    row: sqlite3.Row
    execution: Execution
    durable: bool  # Standard: stored at every transition; Express: when it blocks or ends
    signals_upto: int  # the last task-token signal applied (deleted with the next write)
    calls_next: bool = False  # its next step calls a Task's resource
    calling: bool = False  # blocked until one of its started calls is done
    changed: bool = False  # its last advance changed what is stored
    steps: int = 0
    progress: str | None = None  # BLOCKED, DONE or YIELD once this run is over
    error: Exception | None = None


def _check_error_and_cause(error: str | None, cause: str | None) -> None:
    if error is not None and len(error) > _ERROR_MAX:
        raise AwsError("ValidationException", f"error must be at most {_ERROR_MAX} characters")
    if cause is not None and len(cause) > _CAUSE_MAX:
        raise AwsError("ValidationException", f"cause must be at most {_CAUSE_MAX} characters")


def _calls_next(execution: Execution) -> bool:
    """Did the last step schedule a Task call (stored before the call is made)?"""
    return any(
        event["type"] in {"TaskScheduled", "LambdaFunctionScheduled"} for event in execution.events
    )


_DATA_FIELDS = ("input", "output", "parameters")


def _without_data(event: dict[str, Any]) -> dict[str, Any]:
    """An event with its input, output and parameters left out (includeExecutionData=false)."""
    trimmed: dict[str, Any] = {}
    for key, value in event.items():
        if isinstance(value, dict) and key.endswith("EventDetails"):
            trimmed[key] = {k: v for k, v in value.items() if k not in _DATA_FIELDS}
        else:
            trimmed[key] = value
    return trimmed
