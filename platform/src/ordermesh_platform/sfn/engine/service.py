"""Executions: StartExecution, StartSyncExecution, DescribeExecution, ListExecutions,
GetExecutionHistory, StopExecution, RedriveExecution and the task-token operations, on the state
machines of ``state_machines``. A worker (``worker``) runs them; ``persistence`` stores them.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from ordermesh_platform.sfn.engine.paging import paged, without_data
from ordermesh_platform.sfn.engine.persistence import (
    EXECUTIONS_CHANNEL,
    LEASE_SECONDS,
    ExecutionStore,
    compact_json,
    store_definition,
)
from ordermesh_platform.sfn.engine.state_machines import NAME, StateMachines
from ordermesh_platform.sfn.engine.tokens import check_error_and_cause, send_signal
from ordermesh_platform.sfn.engine.worker import Worker
from ordermesh_platform.sfn.interpreter import Integrations, NoIntegrations
from ordermesh_platform.shared.aws import ACCOUNT, REGION, AwsError, new_id
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

REDRIVE_WINDOW = 14 * 24 * 3600.0
MAX_INPUT_BYTES = 262_144


def execution_arn(machine_name: str, name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{machine_name}:{name}"


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


@dataclass(frozen=True)
class StepFunctionsOptions:
    max_steps_per_run: int = 100_000  # one execution's steps before the worker yields it
    seed: int | None = None  # seeds $random/States.UUID/jitter (tests); None = system entropy


class StepFunctions(StateMachines):
    """State machines and executions on the local runtime."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        integrations: Integrations | None = None,
        options: StepFunctionsOptions | None = None,
    ) -> None:
        super().__init__(store, clock)
        self.integrations = integrations or NoIntegrations()
        self.options = options or StepFunctionsOptions()
        rng = random.Random(self.options.seed)  # noqa: S311 - not for secrets
        self._executions = ExecutionStore(store, clock, self.integrations, rng)
        self.worker = Worker(self._executions, max_steps_per_run=self.options.max_steps_per_run)
        self._definition_ids: dict[str, int] = {}  # definition text -> its sfn_definitions id

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
        if not NAME.match(name):
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
                definition_id = store_definition(conn, machine["definition"])
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
        return paged(
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
            events = [without_data(event) for event in events]
        return paged(
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
        check_error_and_cause(error, cause)
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
                    (arn, compact_json({"stop": {"error": error, "cause": cause}})),
                )
                return {"stopDate": self.clock.now()}
            execution = self._executions.load(row)
            execution.stop(error, cause)
            self._executions.persist(conn, row, execution, final=True)
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
            execution = self._executions.load(row)
            execution.redrive()
            self._executions.persist(conn, row, execution, final=False)
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
        send_signal(self.store, self.clock, task_token, {"output": value}, close=True)
        return {}

    def send_task_failure(
        self, task_token: str, *, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        check_error_and_cause(error, cause)
        signal = {"error": error, "cause": cause}
        send_signal(self.store, self.clock, task_token, signal, close=True)
        return {}

    def send_task_heartbeat(self, task_token: str) -> dict[str, Any]:
        send_signal(self.store, self.clock, task_token, {"heartbeat": True}, close=False)
        return {}

    # --- running ------------------------------------------------------------------------------
    def recover(self) -> None:
        """After a restart: executions leased by a process that died are due again."""
        self.worker.recover()

    def next_due(self) -> float | None:
        return self.worker.next_due()

    def run_due(self, limit: int = 20) -> int:
        """Run executions that are due until each blocks or ends; how many ran."""
        return self.worker.run_due(limit)

    def run_until_idle(self, *, advance_clock: bool = False, max_rounds: int = 100_000) -> int:
        """Run due executions in this thread until none is due; with ``advance_clock`` (a
        ``ManualClock``), jump to the next timer instead of stopping. Executions run."""
        return self.worker.run_until_idle(advance_clock=advance_clock, max_rounds=max_rounds)

    def _run(self, arn: str) -> None:
        """Run one execution this caller holds until it blocks or ends."""
        self.worker.run_rows([self._execution(arn)])
