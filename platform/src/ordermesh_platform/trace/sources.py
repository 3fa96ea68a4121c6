"""Where an order's trace is read from: the bus archive (its events, by correlation id), the
dead-letter queues, the saga's executions and their histories, and the payment provider
simulator's ledger of calls (``GET /admin/calls``). The invocations come from the runtime's
invocation log (``runtime/invocation_log.py``)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ordermesh_platform.runtime.invocation_log import event_id
from ordermesh_platform.runtime.status import dead_letter_queues
from ordermesh_platform.sfn.engine.service import execution_arn
from ordermesh_platform.shared.aws import AwsError

if TYPE_CHECKING:
    from ordermesh_platform.runtime.runtime import LocalRuntime

PROVIDER_TIMEOUT = 2.0


@dataclass(frozen=True)
class Archived:
    event: dict[str, Any]
    received_at: float
    copies: int = 1  # times the bus accepted an event with this event id

    @property
    def id(self) -> str:
        return event_id(self.event) or str(self.event.get("id"))

    @property
    def metadata(self) -> dict[str, Any]:
        detail = self.event.get("detail")
        found = detail.get("metadata") if isinstance(detail, dict) else None
        return found if isinstance(found, dict) else {}


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    event_id: str
    sent_at: float
    source_queue: str | None
    error: str | None


@dataclass(frozen=True)
class Execution:
    arn: str
    name: str
    description: dict[str, Any]
    history: list[dict[str, Any]]


def archived_events(runtime: LocalRuntime, correlation_id: str) -> list[Archived]:
    """The events carrying ``correlation_id``, in the order the bus accepted them; an event id
    accepted more than once (a producer's retry) is one event with its copies counted."""
    rows = (
        runtime.store.connection()
        .execute(
            # the text search first (no JSON parsed), then the member for the rows it finds
            "SELECT event, received_at FROM archive WHERE instr(event, ?) > 0 "
            "AND json_extract(event, '$.detail.metadata.correlationId') = ? ORDER BY seq",
            (correlation_id, correlation_id),
        )
        .fetchall()
    )
    found: dict[str, Archived] = {}
    for row in rows:
        archived = Archived(json.loads(row["event"]), row["received_at"])
        first = found.get(archived.id)
        if first is None:
            found[archived.id] = archived
        else:
            found[archived.id] = Archived(first.event, first.received_at, first.copies + 1)
    return list(found.values())


def dead_letters(runtime: LocalRuntime, event_ids: set[str]) -> list[DeadLetter]:
    """Messages in any dead-letter queue whose body is one of ``event_ids``."""
    names = [q.name for q in dead_letter_queues(runtime)]
    if not names or not event_ids:
        return []
    marks = ", ".join("?" * len(names))
    rows = runtime.store.connection().execute(
        "SELECT queue, body, sent_at, source_queue, message_attributes FROM messages "  # noqa: S608 - placeholders only
        f"WHERE queue IN ({marks}) ORDER BY seq",
        names,
    )
    found = []
    for row in rows:
        try:
            body = json.loads(row["body"])
        except ValueError:
            continue
        handled = event_id(body)
        if handled in event_ids:
            attributes = json.loads(row["message_attributes"] or "{}")
            error = attributes.get("ErrorMessage", {}).get("StringValue")
            found.append(
                DeadLetter(row["queue"], handled, row["sent_at"], row["source_queue"], error)
            )
    return found


def executions(runtime: LocalRuntime, name: str) -> list[Execution]:
    """Every state machine's execution called ``name`` (the saga names its own by the order
    id), with its history."""
    machines = runtime.sfn.list_state_machines(max_results=1000)["stateMachines"]
    found = []
    for machine in machines:
        arn = execution_arn(machine["name"], name)
        try:
            description = runtime.sfn.describe_execution(arn)
            history = runtime.sfn.get_execution_history(arn, max_results=1000)["events"]
        except AwsError:
            continue
        found.append(Execution(arn, name, description, history))
    return found


def provider_calls(url: str | None, order_id: str) -> tuple[list[dict[str, Any]], str | None]:
    """The simulator's calls for ``order_id`` (its order id or in its idempotency key), with
    when each was answered and received as epoch seconds in ``epoch`` and ``received``; or a
    note saying why there are none to show."""
    if not url:
        return [], "no payment provider URL is known: provider calls are not shown"
    try:
        with urllib.request.urlopen(  # noqa: S310 - the simulator's own URL
            url.rstrip("/") + "/admin/calls", timeout=PROVIDER_TIMEOUT
        ) as response:
            calls = json.loads(response.read())["calls"]
    except (OSError, ValueError, KeyError, urllib.error.URLError) as exc:
        return [], f"the payment provider's ledger at {url} could not be read ({exc})"
    mine = [
        {
            **call,
            "epoch": datetime.fromisoformat(call["at"]).timestamp(),
            "received": datetime.fromisoformat(call.get("receivedAt", call["at"])).timestamp(),
        }
        for call in calls
        if call.get("orderId") == order_id or order_id in str(call.get("idempotencyKey", ""))
    ]
    return mine, None
