"""Powertools' Logger on the runtime: every function's handlers run in this one process, on
threads, and a Logger keeps its structured keys in its formatter, which every Logger of one
service shares (one ``logging`` logger per service name). Each invocation must still log with its
own request id and keys, and those set at import time, as in its own Lambda execution
environment."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import formatter as powertools_formatter
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from ordermesh_platform.runtime import invocation_logging
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.logs import FunctionLogs
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store

ROUNDS = 8
# function: (the key its handler appends, whether its decorator clears the state first); both
# are functions of one service, as the order service's API and its saga events handler are.
FUNCTIONS = {"alpha-api": ("order_id", False), "alpha-events": ("batch_id", True)}
# What each line is checked for: the context's keys, the correlation id, the appended keys and
# the key the service's module appends at import time (which ``clear_state`` clears, in Lambda
# too).
KEYS = (
    "service",
    "function_name",
    "function_request_id",
    "correlation_id",
    "order_id",
    "batch_id",
    "deployment",
)

Handler = Callable[[dict[str, Any], Any], str]


@pytest.fixture
def service() -> Iterator[str]:
    """A service name of this test's own: powertools configures one ``logging`` logger per name,
    for the rest of the process."""
    name = f"alpha-{uuid.uuid4().hex[:8]}"
    yield name
    held = logging.getLogger(name)
    for handler in list(held.handlers):
        held.removeHandler(handler)


def _handler(logger: Logger, key: str, *, clear_state: bool, overlap: threading.Barrier) -> Handler:
    @logger.inject_lambda_context(correlation_id_path="correlation_id", clear_state=clear_state)
    def handler(event: dict[str, Any], context: Any) -> str:
        logger.append_keys(**{key: event["value"]})
        logger.info("started %s", context.aws_request_id)
        overlap.wait()  # the other function's invocation has its keys in place too
        logger.info("finished %s", context.aws_request_id)
        return str(event["value"])

    return handler


def _logged(path: Path) -> dict[str, dict[str, Any]]:
    """The function's log lines by message, with the keys the test looks at."""
    lines = [json.loads(text) for text in path.read_text().splitlines()]
    logged = {line["message"]: {key: line.get(key) for key in KEYS} for line in lines}
    assert len(logged) == len(lines), "each line once"
    return logged


def test_concurrent_invocations_of_one_service_each_log_their_own_keys(
    store: Store, clock: ManualClock, queues: Queues, tmp_path: Path, service: str
) -> None:
    """Invocations of two functions of one service overlap, every time: each has its context,
    correlation id and key in place before either logs its second line. Shared keys would give
    one of them the other's request id and key, or none (``clear_state``)."""
    logs = FunctionLogs(tmp_path / "logs")
    functions = Functions(store, clock, queues, logs=logs)
    overlap = threading.Barrier(2, timeout=10)
    logs.open()
    try:
        # At import time, as the service's entrypoints package does (after the runtime routed
        # standard output: it imports handlers when first invoked).
        logger = Logger(service=service)
        logger.append_keys(deployment="local")
        for name, (key, clear_state) in FUNCTIONS.items():
            handler = _handler(logger, key, clear_state=clear_state, overlap=overlap)
            functions.register(name, FunctionSettings(handler="x:y", timeout=20), handler)

        at_import = dict(logger.get_current_keys())
        expected: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in FUNCTIONS}
        outcomes: list[Future[Any]] = []
        with ThreadPoolExecutor(max_workers=4) as pool:
            for round_ in range(ROUNDS):  # interleaved: each function always has a call running
                for name, (key, clear_state) in FUNCTIONS.items():
                    request_id = f"{name}-{round_}"
                    event = {"correlation_id": f"corr-{request_id}", "value": f"{key}-{round_}"}
                    call = pool.submit(functions.invoke, name, event, request_id=request_id)
                    outcomes.append(call)
                    own = {
                        "service": service,
                        "function_name": name,
                        "function_request_id": request_id,
                        "correlation_id": event["correlation_id"],
                        "order_id": None,
                        "batch_id": None,
                        key: event["value"],
                        "deployment": None if clear_state else "local",
                    }
                    for step in ("started", "finished"):
                        expected[name][f"{step} {request_id}"] = own
    finally:
        logs.close()

    failures = [f.exception() for f in outcomes if f.exception() is not None]
    assert failures == [], "\n".join(map(str, failures))
    for name, lines in expected.items():
        assert _logged(logs.path(name)) == lines, (
            f"{name}: each line with its own invocation's request id and keys, and no other's"
        )
    assert logger.get_current_keys() == at_import, "the keys outside an invocation are unchanged"


def test_keys_an_invocation_adds_stay_in_it(
    store: Store, clock: ManualClock, queues: Queues, tmp_path: Path, service: str
) -> None:
    """The next invocation, on the same handler thread (it waited for the first, as a function
    runs one at a time), starts from the keys set at import time: not with the first's appended
    keys, nor the keys it added for its thread (``thread_safe_append_keys``), which a reused
    thread kept for whatever it ran next, any function's."""
    logs = FunctionLogs(tmp_path / "logs")
    functions = Functions(store, clock, queues, logs=logs)
    release = threading.Event()
    threads: list[int] = []
    logs.open()
    try:
        logger = Logger(service=service)
        logger.append_keys(deployment="local")

        @logger.inject_lambda_context
        def handler(event: dict[str, Any], _context: Any) -> None:
            threads.append(threading.get_ident())
            if event["first"]:
                logger.append_keys(order_id="o-1")
                logger.thread_safe_append_keys(tenant="t-1")
                release.wait(timeout=10)
            logger.info("handled")

        functions.register("alpha-api", FunctionSettings(handler="x:y"), handler)
        first = functions.start("alpha-api", {"first": True}, request_id="first")
        second = functions.start("alpha-api", {"first": False}, request_id="second")
        release.set()
        first.result()
        second.result()
    finally:
        logs.close()

    assert threads[0] == threads[1], "the second ran on the first's thread"
    lines = [json.loads(text) for text in logs.path("alpha-api").read_text().splitlines()]
    seen = [
        {k: line.get(k) for k in ("function_request_id", "order_id", "tenant")} for line in lines
    ]
    assert seen == [
        {"function_request_id": "first", "order_id": "o-1", "tenant": "t-1"},
        {"function_request_id": "second", "order_id": None, "tenant": None},
    ]
    assert all(line["deployment"] == "local" for line in lines)


def test_a_logger_first_made_in_an_invocation_keeps_its_configuration(
    store: Store, clock: ManualClock, queues: Queues, tmp_path: Path, service: str
) -> None:
    """A handler that makes its Logger when called configures the service's formatter in its
    first invocation: the keys the formatter is made with are every later invocation's too."""
    logs = FunctionLogs(tmp_path / "logs")
    functions = Functions(store, clock, queues, logs=logs)

    def handler(event: dict[str, Any], _context: Any) -> None:
        logger = Logger(service=service)
        logger.info("handled %s", event["n"])

    functions.register("alpha-api", FunctionSettings(handler="x:y"), handler)
    logs.open()
    try:
        functions.invoke("alpha-api", {"n": 1})
        functions.invoke("alpha-api", {"n": 2})
    finally:
        logs.close()
    lines = [json.loads(text) for text in logs.path("alpha-api").read_text().splitlines()]
    assert [(line.get("level"), line.get("service"), line["message"]) for line in lines] == [
        ("INFO", service, "handled 1"),
        ("INFO", service, "handled 2"),
    ]


_FORMATTER_INIT = LambdaPowertoolsFormatter.__init__
# A later version's thread-local keys, declared as powertools declares its own.
_OTHER_THREAD_KEYS: ContextVar[dict[str, Any]] = ContextVar("other_thread_keys", default={})  # noqa: B039


def _holding_context(self: LambdaPowertoolsFormatter, *args: Any, **kwargs: Any) -> None:
    """A later version's formatter, with more state of its own."""
    _FORMATTER_INIT(self, *args, **kwargs)
    self.context_keys = {}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda mp: mp.setattr(LambdaPowertoolsFormatter, "_keys", {}, raising=False),
            r"LambdaPowertoolsFormatter has class-level state \['_keys'\]",
        ),
        (
            lambda mp: mp.setattr(LambdaPowertoolsFormatter, "log_format", property(dict)),
            r"LambdaPowertoolsFormatter defines 'log_format' on the class",
        ),
        (
            lambda mp: mp.setattr(LambdaPowertoolsFormatter, "__init__", _holding_context),
            r"LambdaPowertoolsFormatter holds other attributes \(unknown \['context_keys'\]",
        ),
        (
            lambda mp: mp.setattr(powertools_formatter, "_get_context", lambda: _OTHER_THREAD_KEYS),
            r"keys appended in an invocation are not kept apart from the shared keys",
        ),
    ],
    ids=["shared state", "an attribute on the class", "more instance state", "thread keys moved"],
)
def test_start_up_fails_loudly_if_powertools_changed_shape(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[pytest.MonkeyPatch], None], message: str
) -> None:
    invocation_logging.install()
    change(monkeypatch)
    with pytest.raises(invocation_logging.LoggingLayoutError, match=message):
        invocation_logging.install()
    monkeypatch.undo()
    invocation_logging.install()  # as it was
