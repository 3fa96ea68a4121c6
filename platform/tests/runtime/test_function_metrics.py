"""Powertools' Metrics on the runtime: every function's handlers run in this one process, on
threads, and Metrics keeps its metric set, dimensions and metadata in class attributes shared by
all its instances. Each invocation must still emit its own metrics, once, into its own
function's log, with what was set at import time, as in its own Lambda execution environment."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)
from ordermesh_platform.runtime import invocation_metrics
from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.logs import FunctionLogs
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store

NAMESPACE = "ordermesh-test"
ROUNDS = 12
# function: (service, the dimensions its handler adds, its metric); the second raises if its
# invocation has no metrics to flush (``raise_on_empty_metrics``), as a handler may ask.
FUNCTIONS = {
    "alpha-api": ("alpha", {"operation": "place"}, "AlphaPlaced"),
    "beta-consumer": ("beta", {"operation": "reserve", "warehouse": "north"}, "BetaReserved"),
}
RAISE_ON_EMPTY = {"alpha-api": False, "beta-consumer": True}
SHARED_STATE = ("_metrics", "_dimensions", "_metadata", "_default_dimensions")


@pytest.fixture
def powertools_state() -> Iterator[None]:
    """Puts Metrics' class-level state back as it was: the test sets default dimensions on it."""
    saved = {name: copy.deepcopy(getattr(Metrics, name)) for name in SHARED_STATE}
    yield
    for name, value in saved.items():
        held: dict[str, Any] = getattr(Metrics, name)
        held.clear()
        held.update(value)


def _handler(
    metrics: Metrics,
    dimensions: dict[str, str],
    metric: str,
    *,
    overlap: threading.Barrier,
    raise_on_empty: bool,
) -> Callable[[dict[str, int], Any], int]:
    @metrics.log_metrics(raise_on_empty_metrics=raise_on_empty)
    def handler(event: dict[str, int], _context: Any) -> int:
        for name, value in dimensions.items():
            metrics.add_dimension(name=name, value=value)
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=event["round"])
        metrics.add_metadata(key="round", value=event["round"])
        overlap.wait()  # the other function's invocation has added its metrics: nobody flushed
        return event["round"]

    return handler


def _emf_lines(path: Path) -> dict[int, list[dict[str, Any]]]:
    """The function's EMF lines by round, the timestamp left out and dimension names sorted."""
    lines: dict[int, list[dict[str, Any]]] = {}
    for text in path.read_text().splitlines():
        if text.startswith("{") and '"_aws"' in text:
            line = json.loads(text)
            del line["_aws"]["Timestamp"]
            for directive in line["_aws"]["CloudWatchMetrics"]:
                directive["Dimensions"] = [sorted(names) for names in directive["Dimensions"]]
            lines.setdefault(line.get("round", -1), []).append(line)
    return lines


def _expected(service: str, dimensions: dict[str, str], metric: str, round_: int) -> dict[str, Any]:
    every = {"stage": "local", **dimensions, "service": service}
    directive = {
        "Namespace": NAMESPACE,
        "Dimensions": [sorted(every)],
        "Metrics": [{"Name": metric, "Unit": "Count"}],
    }
    return {"_aws": {"CloudWatchMetrics": [directive]}, **every, "round": round_, metric: [round_]}


@pytest.mark.usefixtures("powertools_state")
@pytest.mark.parametrize("alpha_path", ["invoke", "invoke_async"])
def test_concurrent_invocations_each_emit_their_own_metrics_once(
    store: Store, clock: ManualClock, queues: Queues, tmp_path: Path, alpha_path: str
) -> None:
    """Invocations of two functions overlap, every time: each has added its dimensions and
    metric before either flushes. Shared state would put both in one EMF line in the log of
    whichever flushed first, and nothing in the other's (or fail the invocation)."""
    logs = FunctionLogs(tmp_path / "logs")
    functions = Functions(store, clock, queues, logs=logs)
    overlap = threading.Barrier(2, timeout=10)
    for name, (service, dimensions, metric) in FUNCTIONS.items():
        metrics = Metrics(namespace=NAMESPACE, service=service)  # as each handler module does
        handler = _handler(
            metrics, dimensions, metric, overlap=overlap, raise_on_empty=RAISE_ON_EMPTY[name]
        )
        functions.register(name, FunctionSettings(handler="x:y", timeout=20), handler)
    # At import time, as a handler module would: powertools shares default dimensions between
    # all Metrics instances, so both functions carry it (in Lambda too, had they both set it).
    Metrics(namespace=NAMESPACE).set_default_dimensions(stage="local")

    outcomes: list[Future[Any]] = []
    logs.open()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            if alpha_path == "invoke_async":
                for round_ in range(ROUNDS):
                    functions.invoke_async("alpha-api", json.dumps({"round": round_}))
                outcomes.append(pool.submit(functions.run_due, ROUNDS))
            for round_ in range(ROUNDS):  # interleaved: each function always has a call running
                if alpha_path == "invoke":
                    outcomes.append(pool.submit(functions.invoke, "alpha-api", {"round": round_}))
                outcomes.append(pool.submit(functions.invoke, "beta-consumer", {"round": round_}))
    finally:
        logs.close()

    failures = [f.exception() for f in outcomes if f.exception() is not None]
    failures += [
        FunctionError(i.function, "async", i.last_error or "") for i in functions.pending()
    ]
    assert failures == [], "\n".join(map(str, failures))
    for name, (service, dimensions, metric) in FUNCTIONS.items():
        lines = _emf_lines(logs.path(name))
        emitted = sorted(
            (
                line.get("service", ""),
                round_,
                [m["Name"] for m in line["_aws"]["CloudWatchMetrics"][0]["Metrics"]],
            )
            for round_, in_round in lines.items()
            for line in in_round
        )
        assert emitted == [(service, r, [metric]) for r in range(ROUNDS)], (
            f"{name}: its own metric, once per invocation, and no other function's"
        )
        expected = {r: [_expected(service, dimensions, metric, r)] for r in range(ROUNDS)}
        assert lines == expected, f"{name}: its own dimensions and metadata"


def _invoke_logged(
    functions: Functions, logs: FunctionLogs, calls: list[tuple[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Invoke in turn, then each function's EMF lines (timestamp kept)."""
    logs.open()
    try:
        for name, event in calls:
            functions.invoke(name, event)
    finally:
        logs.close()
    return {
        name: [json.loads(t) for t in logs.path(name).read_text().splitlines() if '"_aws"' in t]
        for name in dict(calls)
    }


@pytest.mark.usefixtures("powertools_state")
def test_metrics_instances_share_one_set_within_an_invocation(
    store: Store, clock: ManualClock, queues: Queues, tmp_path: Path
) -> None:
    """Powertools shares the set between instances so that any module may make its own
    ``Metrics()``: within an invocation they still share it."""
    logs = FunctionLogs(tmp_path / "logs")
    functions = Functions(store, clock, queues, logs=logs)
    metrics = Metrics(namespace=NAMESPACE, service="alpha")
    library = Metrics()  # another module's, made at import time

    @metrics.log_metrics
    def handler(_event: Any, _context: Any) -> None:
        metrics.add_metric(name="Handled", unit=MetricUnit.Count, value=1)
        library.add_metric(name="FromLibrary", unit=MetricUnit.Count, value=1)
        Metrics().add_metric(name="FromHelper", unit=MetricUnit.Count, value=1)  # made here

    functions.register("alpha-api", FunctionSettings(handler="x:y"), handler)
    [line] = _invoke_logged(functions, logs, [("alpha-api", {})])["alpha-api"]
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert [m["Name"] for m in directive["Metrics"]] == ["Handled", "FromLibrary", "FromHelper"]
    assert getattr(Metrics, "_metrics") == {}, "the shared set saw none of it"  # noqa: B009


@pytest.mark.usefixtures("powertools_state")
def test_what_an_invocation_sets_stays_in_it(
    store: Store, clock: ManualClock, queues: Queues, tmp_path: Path
) -> None:
    logs = FunctionLogs(tmp_path / "logs")
    functions = Functions(store, clock, queues, logs=logs)
    alpha = Metrics(namespace=NAMESPACE, service="alpha")
    beta = Metrics(namespace=NAMESPACE, service="beta")
    alpha.set_default_dimensions(stage="local")  # at import time: every invocation has it
    an_hour_ago = int(time.time() * 1000) - 3_600_000

    @alpha.log_metrics
    def alpha_handler(_event: Any, _context: Any) -> None:
        alpha.set_default_dimensions(tenant="t-1")
        alpha.set_timestamp(an_hour_ago)
        alpha.add_dimensions(region="eu-west-1")
        alpha.add_metric(name="AlphaPlaced", unit=MetricUnit.Count, value=1)

    @beta.log_metrics
    def beta_handler(_event: Any, _context: Any) -> None:
        beta.add_metric(name="BetaReserved", unit=MetricUnit.Count, value=1)

    functions.register("alpha-api", FunctionSettings(handler="x:y"), alpha_handler)
    functions.register("beta-consumer", FunctionSettings(handler="x:y"), beta_handler)
    lines = _invoke_logged(functions, logs, [("alpha-api", {}), ("beta-consumer", {})])
    [alpha_line], [beta_line] = lines["alpha-api"], lines["beta-consumer"]
    assert alpha_line["_aws"]["Timestamp"] == an_hour_ago
    assert alpha_line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["stage", "tenant", "service"],
        ["stage", "tenant", "region"],
    ]
    assert beta_line["_aws"]["Timestamp"] > an_hour_ago
    assert beta_line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["stage", "service"]]
    assert getattr(Metrics, "_default_dimensions") == {"stage": "local"}  # noqa: B009


_PROVIDER_INIT = AmazonCloudWatchEMFProvider.__init__


def _holding_tags(self: AmazonCloudWatchEMFProvider, **kwargs: Any) -> None:
    """A later version's provider, with more state of its own."""
    _PROVIDER_INIT(self, **kwargs)
    self.metric_tags = {}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda mp: mp.setattr(Metrics, "_metric_tags", {}, raising=False),
            r"Metrics has class-level state \['_metric_tags'\]",
        ),
        (
            lambda mp: mp.setattr(AmazonCloudWatchEMFProvider, "metric_set", property(dict)),
            r"AmazonCloudWatchEMFProvider defines \['metric_set'\] on the class",
        ),
        (
            lambda mp: mp.setattr(AmazonCloudWatchEMFProvider, "__init__", _holding_tags),
            r"AmazonCloudWatchEMFProvider holds other attributes \(unknown \['metric_tags'\]",
        ),
    ],
    ids=["shared state", "an attribute on the class", "more instance state"],
)
def test_start_up_fails_loudly_if_powertools_changed_shape(
    monkeypatch: pytest.MonkeyPatch, change: Callable[[pytest.MonkeyPatch], None], message: str
) -> None:
    invocation_metrics.install()
    change(monkeypatch)
    with pytest.raises(invocation_metrics.MetricsLayoutError, match=message):
        invocation_metrics.install()
    monkeypatch.undo()
    invocation_metrics.install()  # as it was
