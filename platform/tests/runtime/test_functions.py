from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.logs import FunctionLogs
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store


def test_handler_gets_the_event_and_a_lambda_context(functions: Functions) -> None:
    seen: list[tuple[Any, LambdaContext]] = []

    def handler(event: Any, context: LambdaContext) -> dict[str, int]:
        seen.append((event, context))
        return {"remaining_positive": int(context.get_remaining_time_in_millis() > 0)}

    functions.register("f", FunctionSettings(handler="x:y", timeout=5, memory_mb=512), handler)
    assert functions.invoke("f", {"a": 1}) == {"remaining_positive": 1}
    [(event, context)] = seen
    assert event == {"a": 1}
    assert context.function_name == "f"
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:000000000000:function:f"
    assert context.memory_limit_in_mb == 512
    assert context.log_group_name == "/aws/lambda/f"
    assert len(context.aws_request_id) == 36
    assert 4000 < context.get_remaining_time_in_millis() <= 5000


def test_handler_is_imported_from_its_reference(functions: Functions) -> None:
    functions.register("dumps", FunctionSettings(handler="json:dumps"))
    with pytest.raises(FunctionError) as error:
        functions.invoke("dumps", {"a": 1})
    assert error.value.error_type == "TypeError", "json.dumps(event, context) rejects the context"


def test_timeout_is_enforced(functions: Functions) -> None:
    release = threading.Event()
    functions.register(
        "slow", FunctionSettings(handler="x:y", timeout=1), lambda _e, _c: release.wait(5)
    )
    with pytest.raises(FunctionError) as error:
        functions.invoke("slow", {})
    release.set()
    assert error.value.error_type == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in error.value.message


def test_start_returns_at_once_and_notifies_when_the_handler_returns(
    functions: Functions,
) -> None:
    release, notified = threading.Event(), threading.Event()
    functions.register(
        "gated", FunctionSettings(handler="x:y", timeout=5), lambda e, _c: release.wait(5) and e
    )
    call = functions.start("gated", {"n": 1}, notify=notified.set)
    assert not call.done()
    assert 4 < call.time_left() <= 5
    release.set()
    assert notified.wait(5)
    assert call.done()
    assert call.time_left() == 0
    assert call.result() == {"n": 1}
    assert call.result() == {"n": 1}, "the result can be read again"


def test_a_function_runs_one_invocation_at_a_time_in_order(functions: Functions) -> None:
    """Handlers keep per-invocation state in module globals (powertools does), which Lambda
    gives each concurrent invocation its own copy of: here they take turns."""
    release = threading.Event()
    running: list[int] = []
    overlaps: list[list[int]] = []
    finished: list[int] = []

    def handler(event: Any, _context: LambdaContext) -> int:
        running.append(event)
        if len(running) > 1:
            overlaps.append(list(running))
        if event == 0:
            release.wait(5)
        running.remove(event)
        finished.append(event)
        return int(event)

    functions.register("single", FunctionSettings(handler="x:y", timeout=10), handler)
    calls = [functions.start("single", n) for n in range(4)]
    assert not calls[1].done(), "the second waits while the first runs"
    release.set()
    assert [call.result() for call in calls] == [0, 1, 2, 3]
    assert overlaps == []
    assert finished == [0, 1, 2, 3]


def test_concurrency_lets_invocations_overlap(functions: Functions) -> None:
    barrier = threading.Barrier(2, timeout=5)

    def meet(event: Any, _context: LambdaContext) -> Any:
        barrier.wait()  # breaks unless both run at once
        return event

    settings = FunctionSettings(handler="x:y", timeout=10, concurrency=2)
    functions.register("pair", settings, meet)
    calls = [functions.start("pair", n) for n in range(2)]
    assert [call.result() for call in calls] == [0, 1]


def test_an_invocation_past_its_timeout_gives_its_turn_up(functions: Functions) -> None:
    release = threading.Event()

    def handler(event: Any, _context: LambdaContext) -> Any:
        if event == "stuck":
            release.wait(10)
        return event

    functions.register("turns", FunctionSettings(handler="x:y", timeout=1), handler)
    try:
        stuck = functions.start("turns", "stuck")
        with pytest.raises(FunctionError) as error:
            stuck.result()
        assert error.value.error_type == "Sandbox.Timedout"
        assert functions.invoke("turns", "next") == "next", "the next one runs at once"
    finally:
        release.set()


def test_an_invocation_that_timed_out_waiting_never_runs(functions: Functions) -> None:
    release = threading.Event()
    ran: list[str] = []

    def handler(event: Any, _context: LambdaContext) -> Any:
        ran.append(event)
        if event == "first":
            release.wait(10)
        return event

    functions.register("queued", FunctionSettings(handler="x:y", timeout=1), handler)
    try:
        first = functions.start("queued", "first")
        second = functions.start("queued", "second")
        with pytest.raises(FunctionError):
            second.result()  # its second passed while the first held the function
        with pytest.raises(FunctionError):
            first.result()
        assert functions.invoke("queued", "third") == "third"
        assert ran == ["first", "third"]
    finally:
        release.set()


def test_an_unhandled_error_is_written_to_the_function_log(
    store: Store, clock: ManualClock, queues: Queues, tmp_path: Path
) -> None:
    logs = FunctionLogs(tmp_path / "logs")
    functions = Functions(store, clock, queues, logs=logs)

    def broken(_event: Any, _context: LambdaContext) -> None:
        message = "no stock table"
        raise KeyError(message)

    functions.register("inventory-api", FunctionSettings(handler="x:y"), broken)
    logs.open()
    try:
        with pytest.raises(FunctionError):
            functions.invoke("inventory-api", {})
    finally:
        logs.close()
    text = logs.path("inventory-api").read_text()
    assert text.startswith("[ERROR] KeyError: 'no stock table'\nTraceback (most recent call last)")
    assert "in broken" in text


def test_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        FunctionSettings(handler="x:y", concurrency=0)


def test_unserializable_result_is_a_marshal_error(functions: Functions) -> None:
    functions.register("bad", FunctionSettings(handler="x:y"), lambda _e, _c: {1, 2})
    with pytest.raises(FunctionError) as error:
        functions.invoke("bad", {})
    assert error.value.error_type == "Runtime.MarshalError"


def test_async_invoke_retries_with_backoff_then_goes_to_the_dlq(
    functions: Functions, queues: Queues, clock: ManualClock
) -> None:
    calls: list[float] = []

    def failing(_event: Any, _context: LambdaContext) -> None:
        calls.append(clock.now())
        message = "card processor unreachable"
        raise RuntimeError(message)

    settings = FunctionSettings(
        handler="x:y", max_retry_attempts=2, retry_base_delay=60, dead_letter_queue="f-dlq"
    )
    functions.register("f", settings, failing)
    request_id = functions.invoke_async("f", json.dumps({"order": 1}))
    start = clock.now()
    assert functions.run_due() == 1
    assert functions.run_due() == 0, "the retry waits for its back-off"
    clock.advance(60)
    assert functions.run_due() == 1
    clock.advance(119)
    assert functions.run_due() == 0
    clock.advance(1)
    assert functions.run_due() == 1
    assert [t - start for t in calls] == [0, 60, 180]
    assert functions.pending() == []
    [dead] = queues.peek("f-dlq")
    assert json.loads(dead.body) == {"order": 1}
    assert dead.message_attributes["RequestID"]["StringValue"] == request_id
    error = json.loads(dead.message_attributes["ErrorMessage"]["StringValue"])
    assert error == {"errorMessage": "card processor unreachable", "errorType": "RuntimeError"}


def test_async_invoke_gives_up_when_the_event_is_too_old(
    functions: Functions, queues: Queues
) -> None:
    def failing(_event: Any, _context: LambdaContext) -> None:
        raise ValueError

    settings = FunctionSettings(
        handler="x:y", max_event_age=60, retry_base_delay=100, dead_letter_queue="dlq"
    )
    functions.register("f", settings, failing)
    functions.invoke_async("f", "{}")
    assert functions.run_due() == 1
    assert functions.pending() == [], "the next retry would come after the maximum event age"
    assert len(queues.peek("dlq")) == 1


def test_async_invoke_succeeds_after_a_transient_failure(
    functions: Functions, queues: Queues, clock: ManualClock
) -> None:
    attempts: list[int] = []

    def flaky(_event: Any, _context: LambdaContext) -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError
        return "ok"

    functions.register("f", FunctionSettings(handler="x:y", dead_letter_queue="dlq"), flaky)
    functions.invoke_async("f", "{}")
    functions.run_due()
    clock.advance(60)
    functions.run_due()
    assert len(attempts) == 2
    assert functions.pending() == []
    assert queues.peek("dlq") == []


def test_settings_reject_values_lambda_rejects() -> None:
    with pytest.raises(ValueError, match="max_retry_attempts"):
        FunctionSettings(handler="a:b", max_retry_attempts=3)
    with pytest.raises(ValueError, match="max_event_age"):
        FunctionSettings(handler="a:b", max_event_age=10)
    with pytest.raises(ValueError, match=r"package\.module:function"):
        FunctionSettings(handler="nohandler")


def test_invokes_of_functions_not_registered_here_stay_queued(
    store: Store, clock: ManualClock, queues: Queues, functions: Functions
) -> None:
    functions.register("known", FunctionSettings(handler="x:y"), lambda _e, _c: None)
    functions.invoke_async("known", "{}")
    elsewhere = Functions(store, clock, queues)  # e.g. the CLI's process: nothing registered
    assert elsewhere.run_due() == 0
    assert len(functions.pending("known")) == 1
    assert functions.run_due() == 1
    assert functions.pending() == []
