"""An order's trace from the runtime's stores: who caused what.

- An event's cause is its ``causationId``: another event of the order, the HTTP request that
  published it (an invocation log row of that request id), or the saga's execution (the saga
  names its commands' causation after the execution, which is named by the order id); a command
  hangs under the state that was running when it went out. A causation id naming none of these
  is a gap.
- Each rule target an event matched is a delivery; the invocations that handled the event
  through that target (queue, function, stream) hang under it, one per attempt.
- The saga's execution hangs under the invocation that was running when it started (the saga
  starter's); its states under it.
- A payment provider call hangs under the payment service's invocation that was running when
  the provider answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ordermesh_platform.runtime.invocation_log import Run
from ordermesh_platform.trace.model import Span, Trace, causal_order
from ordermesh_platform.trace.sources import (
    Archived,
    DeadLetter,
    Execution,
    archived_events,
    dead_letters,
    executions,
)

if TYPE_CHECKING:
    from ordermesh_platform.runtime.runtime import LocalRuntime

PROVIDER_CALLERS = "payment-"  # the payment service's functions call the provider


def build_trace(
    runtime: LocalRuntime,
    order_id: str,
    provider: Sequence[dict[str, Any]] = (),
    notes: Iterable[str] = (),
) -> Trace:
    """The trace of ``order_id`` (its correlation id), with the provider ``calls`` given."""
    events = archived_events(runtime, order_id)
    event_ids = {e.id for e in events}
    causes = {str(e.metadata.get("causationId")) for e in events}
    runs = runtime.functions.invocation_log.handling(event_ids | causes)
    spans: list[Span] = []
    requests = [_request(r) for r in runs if r.source == "http"]
    spans += requests
    runs = [r for r in runs if r.source != "http"]
    sagas = executions(runtime, order_id)
    saga_spans = [s for execution in sagas for s in _execution(execution)]
    invocations = [_invocation(r) for r in runs]
    for span in saga_spans:
        if span.kind == "execution":
            span.parent = _containing(invocations, span.start)
    spans += saga_spans
    known = {s.id for s in requests} | {f"event:{i}" for i in event_ids}
    for archived in events:
        spans.append(_event(archived, known, sagas, saga_spans))
        spans += _deliveries(runtime, archived, runs)
    spans += invocations
    spans += [_dead_letter(d, runs) for d in dead_letters(runtime, event_ids)]
    spans += [_provider_call(call, invocations) for call in provider]
    return Trace(order_id, causal_order(spans), list(notes))


def _request(run: Run) -> Span:
    return Span(
        f"request:{run.handled_id}",
        "request",
        f"HTTP request to {run.function}",
        run.started_at,
        run.duration,
        detail={"function": run.function, "requestId": run.handled_id, "outcome": run.outcome},
    )


def _invocation(run: Run) -> Span:
    detail = {
        "function": run.function,
        "requestId": run.request_id,
        "source": run.source,
        "attempt": run.attempt,
        "outcome": run.outcome,
    }
    if run.error:
        detail["error"] = run.error
    return Span(
        f"invocation:{run.request_id}:{run.handled_id}",
        "invocation",
        f"{run.function} (attempt {run.attempt}, {run.outcome})",
        run.started_at,
        run.duration,
        parent=_delivery_id(run.handled_id, _route(run)),
        detail=detail,
    )


def _route(run: Run) -> str:
    """How a run got its event, as a delivery's target names it."""
    return f"function:{run.function}" if run.source == "event" else run.source


def _delivery_id(event_id: str, route: str) -> str:
    return f"delivery:{event_id}:{route}"


def _event(
    archived: Archived, known: set[str], sagas: Sequence[Execution], saga_spans: Sequence[Span]
) -> Span:
    metadata = archived.metadata
    cause = str(metadata.get("causationId"))
    detail = {
        "eventId": archived.id,
        "source": archived.event.get("source"),
        "version": metadata.get("eventVersion"),
        "correlationId": metadata.get("correlationId"),
        "causationId": cause,
        "busId": archived.event.get("id"),
    }
    if archived.copies > 1:
        detail["copies"] = archived.copies
    span = Span(
        f"event:{archived.id}",
        "event",
        f"{archived.event.get('detail-type')} v{metadata.get('eventVersion', '?')}",
        archived.received_at,
        detail=detail,
    )
    if f"event:{cause}" in known:
        span.parent = f"event:{cause}"
    elif f"request:{cause}" in known:
        span.parent = f"request:{cause}"
    elif any(e.name == cause for e in sagas):
        span.parent = _running_state(saga_spans, cause, span.start)
    else:
        span.gap = f"causation id {cause} names no event, HTTP request or saga execution known"
    return span


def _running_state(saga_spans: Sequence[Span], name: str, at: float) -> str:
    """The Task state of execution ``name`` entered last at or before ``at`` (else the
    execution)."""
    execution = next(s for s in saga_spans if s.kind == "execution" and s.name.endswith(name))
    tasks = [
        s
        for s in saga_spans
        if s.parent == execution.id and s.detail.get("type") == "Task" and s.start <= at
    ]
    return max(tasks, key=lambda s: s.start).id if tasks else execution.id


def _deliveries(runtime: LocalRuntime, archived: Archived, runs: Sequence[Run]) -> list[Span]:
    """One span per rule target the event reached; each lasts until the first invocation that
    handled the event through it, and counts the attempts."""
    bus, spans = runtime.bus, []
    targets = []
    for rule_name in bus.matching_rules(archived.event):
        rule, _ = bus.describe_rule(rule_name)
        targets += [(rule_name, t.kind, t.name) for t in rule.targets]
    targets += [
        (t.rule_name, t.target.kind, t.target.name) for t in bus.archive_targets(archived.event)
    ]
    consumers = {c.settings.queue: c.settings.function for c in runtime.queue_consumers}
    for rule_name, kind, name in targets:
        route = {
            "queue": f"sqs:{name}",
            "function": f"function:{name}",
            "stream": f"kinesis:{name}",
        }
        handled = [r for r in runs if r.handled_id == archived.id and _route(r) == route.get(kind)]
        first = min((r.started_at for r in handled), default=None)
        detail: dict[str, Any] = {"rule": rule_name, "target": f"{kind}:{name}"}
        if kind == "queue" and name in consumers:
            detail["consumer"] = consumers[name]
        if handled:
            detail["attempts"] = len(handled)
            detail["retries"] = max(r.attempt for r in handled) - 1
        spans.append(
            Span(
                _delivery_id(archived.id, route.get(kind, f"{kind}:{name}")),
                "delivery",
                f"{rule_name} → {kind} {name}",
                archived.received_at,
                None if first is None else max(first - archived.received_at, 0.0),
                parent=f"event:{archived.id}",
                detail=detail,
            )
        )
    return spans


def _execution(execution: Execution) -> list[Span]:
    description, history = execution.description, execution.history
    start = float(history[0]["timestamp"]) if history else 0.0
    stop = description.get("stopDate")
    root = Span(
        f"execution:{execution.arn}",
        "execution",
        f"saga {execution.arn.split(':')[-2]}:{execution.name}",
        start,
        None if stop is None else float(stop) - start,
        detail={"executionArn": execution.arn, "status": description.get("status")},
    )
    spans, entered = [root], {}
    for event in history:
        kind = str(event["type"])
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            entered[name] = Span(
                f"state:{execution.arn}:{event['id']}",
                "state",
                name,
                float(event["timestamp"]),
                parent=root.id,
                detail={"type": kind.removesuffix("StateEntered")},
            )
            spans.append(entered[name])
        elif kind.endswith("StateExited"):
            state = entered.pop(event["stateExitedEventDetails"]["name"], None)
            if state is not None:
                state.duration = float(event["timestamp"]) - state.start
        elif kind.endswith(("Failed", "TimedOut")):
            root.detail.setdefault("failures", []).append(kind)
    return spans


def _containing(spans: Sequence[Span], at: float, prefix: str = "") -> str | None:
    """The shortest invocation (of a function named ``prefix``...) running at ``at``."""
    around = [
        s
        for s in spans
        if s.detail.get("function", "").startswith(prefix) and s.start <= at <= s.end
    ]
    return min(around, key=lambda s: s.duration or 0.0).id if around else None


def _dead_letter(letter: DeadLetter, runs: Sequence[Run]) -> Span:
    """A message keeps its sending time in its dead-letter queue, as SQS keeps it: it is shown
    when the last attempt that failed it ended."""
    route = f"sqs:{letter.source_queue}" if letter.source_queue else None
    tries = [r for r in runs if r.handled_id == letter.event_id and (route in (None, r.source))]
    at = max([letter.sent_at, *(r.started_at + r.duration for r in tries)])
    return Span(
        f"dead-letter:{letter.queue}:{letter.event_id}",
        "dead-letter",
        f"dead letter in {letter.queue}",
        at,
        parent=_delivery_id(letter.event_id, route) if route else f"event:{letter.event_id}",
        detail={"queue": letter.queue, "from": letter.source_queue, "error": letter.error},
    )


def _provider_call(call: dict[str, Any], invocations: Sequence[Span]) -> Span:
    at = float(call["epoch"])
    received = float(call.get("received", at))
    detail = {k: v for k, v in call.items() if k not in {"epoch", "received"}}
    return Span(
        f"provider:{call['idempotencyKey']}:{at}",
        "provider",
        f"POST {call['path']} → {call['status']}",
        received,
        at - received,  # from the request's arrival to its answer (a lost one is held further)
        parent=_containing(invocations, at, PROVIDER_CALLERS),
        detail=detail,
    )
