"""State machines: CreateStateMachine, DescribeStateMachine, UpdateStateMachine,
DeleteStateMachine and ListStateMachines, kept in ``sfn_state_machines``.

A definition is validated as Step Functions validates it (``sfn.validation``) and stored as
compact JSON; an execution keeps the definition it started with (``sfn_definitions``).
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any, Literal

from ordermesh_platform.sfn.engine.paging import paged
from ordermesh_platform.sfn.engine.persistence import compact_json, open_tables
from ordermesh_platform.sfn.validation import InvalidDefinition, validate_definition
from ordermesh_platform.shared.aws import ACCOUNT, AwsError, state_machine_arn
from ordermesh_platform.shared.clock import Clock
from ordermesh_platform.shared.store import Store

DEFAULT_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ordermesh-local-states"
NAME = re.compile(r"^[A-Za-z0-9_\-]{1,80}$")  # a state machine's or an execution's name

Type = Literal["STANDARD", "EXPRESS"]


class StateMachines:
    """The state machines of the local Step Functions service."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        open_tables(store)

    def create_state_machine(
        self,
        name: str,
        definition: str | dict[str, Any],
        *,
        role_arn: str = DEFAULT_ROLE_ARN,
        type: Type = "STANDARD",  # noqa: A002 - AWS's field name
    ) -> dict[str, Any]:
        """CreateStateMachine. The same name and definition again returns the existing one."""
        if not NAME.match(name):
            raise AwsError("InvalidName", f"Invalid Name: '{name}'")
        if type not in {"STANDARD", "EXPRESS"}:
            raise AwsError("ValidationException", f"Invalid type: '{type}'")
        try:
            parsed = validate_definition(definition, state_machine_type=type)
        except InvalidDefinition as err:
            raise AwsError("InvalidDefinition", err.message) from None
        text = compact_json(parsed)
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
                text = compact_json(validate_definition(definition, state_machine_type=row["type"]))
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
        return paged("stateMachines", items, max_results, next_token, scope="ListStateMachines")
