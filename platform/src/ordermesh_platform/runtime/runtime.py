"""The local runtime: the bus, queues, streams, functions and state machines wired from the
manifests, with the worker threads that deliver (async invokes, queue pollers, stream pollers,
Step Functions executions, the lake's flusher, housekeeping).

Everything it holds lives in the SQLite store, so stopping it (or killing it) and starting it
again resumes where it was: pending invokes run, unacknowledged messages come back after their
visibility timeout, stream consumers resume after their checkpoints, executions resume from
their last snapshot (Waits end on time, task tokens issued before still work).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ordermesh_contracts import environment
from ordermesh_contracts.catalog import Catalog, load_catalog
from ordermesh_contracts.environment import LocalEnvironment
from ordermesh_contracts.manifest import ServiceManifest, discover_manifests, load_manifest
from ordermesh_contracts.manifest import StreamConsumer as StreamConsumerSpec
from ordermesh_contracts.models.index import MODELS
from ordermesh_contracts.validation import ContractValidator, default_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, request_response

from ordermesh_platform import dashboard
from ordermesh_platform.event_catalog.serve import routes as catalog_routes
from ordermesh_platform.lake import LAKE_DIR
from ordermesh_platform.runtime.bus import LocalEventBus, Rule, TargetKind, TargetSink
from ordermesh_platform.runtime.clients import InProcessClients
from ordermesh_platform.runtime.delivery_streams import DeliveryStreams, DeliveryStreamStatus
from ordermesh_platform.runtime.faults import FaultInjector, FaultSettings
from ordermesh_platform.runtime.functions import INVOCATIONS_CHANNEL, Functions, FunctionSettings
from ordermesh_platform.runtime.http_api import HttpApiGateway, RouteTable
from ordermesh_platform.runtime.logs import FunctionLogs
from ordermesh_platform.runtime.queue_consumer import QueueConsumer
from ordermesh_platform.runtime.queues import Queues, queue_channel
from ordermesh_platform.runtime.scheduler import Scheduler, Worker
from ordermesh_platform.runtime.sfn_integrations import LocalIntegrations
from ordermesh_platform.runtime.sfn_wire import sfn_service
from ordermesh_platform.runtime.sinks import (
    FunctionSink,
    QueueSink,
    StateMachineSink,
    StateMachineStarts,
    StreamSink,
    TopicSink,
)
from ordermesh_platform.runtime.sns_wire import sns_service
from ordermesh_platform.runtime.stream_consumer import StreamConsumer, StreamConsumerSettings
from ordermesh_platform.runtime.streams import Streams, stream_channel
from ordermesh_platform.runtime.topics import Topics
from ordermesh_platform.runtime.wire import aws_endpoint, events_service
from ordermesh_platform.runtime.wiring import (
    StateMachineSettings,
    TopicSettings,
    TopicSubscriptionSettings,
    Wiring,
    wire,
)
from ordermesh_platform.sfn.engine import EXECUTIONS_CHANNEL, StepFunctions
from ordermesh_platform.shared.aws import AwsError, state_machine_arn
from ordermesh_platform.shared.clock import Clock, SystemClock
from ordermesh_platform.shared.store import DEFAULT_DIR, Store
from ordermesh_platform.trace import page as trace_page

logger = logging.getLogger(__name__)

HOUSEKEEPING_INTERVAL = 2.0  # seconds between WAL checkpoints
SFN_CLAIM = 8  # executions a Step Functions worker takes at a time
STREAM_RETRY_BACKOFF = 1.0  # first wait before a stream consumer retries a failed batch


@dataclass(frozen=True)
class RuntimeOptions:
    state_dir: Path = DEFAULT_DIR
    bus_name: str = "ordermesh"
    validate_contracts: bool = True
    retry_base_delay: float = 60.0  # async invoke back-off base (Lambda: about a minute)
    poll_interval: float = 0.05  # how often idle pollers look again
    delivery_threads: int = 3  # threads that run the delivery workers (see scheduler.py)
    durability: Literal["normal", "full"] = "normal"
    function_logs: bool = False  # handlers' output to <state_dir>/logs/<function>.log
    lake_dir: Path | None = None  # the lake's folder, laid out as its bucket (<state_dir>/lake)
    faults: FaultSettings | None = None  # the chaos suite's faults (runtime/faults.py); None: off

    @property
    def lake(self) -> Path:
        return self.lake_dir if self.lake_dir is not None else self.state_dir / LAKE_DIR


class LocalRuntime:
    """The whole local system in one process."""

    def __init__(
        self,
        options: RuntimeOptions | None = None,
        *,
        clock: Clock | None = None,
        validator: ContractValidator | None = None,
    ) -> None:
        self.options = options or RuntimeOptions()
        self.clock = clock or SystemClock()
        self.store = Store.in_directory(self.options.state_dir, durability=self.options.durability)
        self.queues = Queues(self.store, self.clock)
        self.logs: FunctionLogs | None = None
        if self.options.function_logs:
            self.logs = FunctionLogs(self.store.path.parent / "logs")
            self.logs.open()
        self.faults = (
            FaultInjector(self.options.faults, self.clock) if self.options.faults else None
        )
        self.functions = Functions(
            self.store,
            self.clock,
            self.queues,
            logs=self.logs,
            wrap=self.faults.handler if self.faults else None,
        )
        self.streams = Streams(self.store, self.clock)
        self.topics = Topics(self.store, self.clock, self.queues, self.functions)
        if validator is None and self.options.validate_contracts:
            validator = default_validator()
        sinks: dict[TargetKind, TargetSink] = {
            "queue": QueueSink(self.queues),
            "function": FunctionSink(self.functions),
            "stream": StreamSink(self.streams),
            "state-machine": StateMachineSink(self.store, self.clock),
            "topic": TopicSink(self.topics),
        }
        if self.faults is not None:
            sinks = self.faults.sinks(sinks)
        self.bus = LocalEventBus(
            self.store,
            self.clock,
            name=self.options.bus_name,
            sinks=sinks,
            validator=validator if self.options.validate_contracts else None,
            archive_fed=frozenset({"delivery-stream"}),
        )
        self.delivery_streams = DeliveryStreams(self.store, self.clock, self.options.lake, self.bus)
        self.sfn = StepFunctions(
            self.store,
            self.clock,
            LocalIntegrations(functions=self.functions, bus=self.bus, queues=self.queues),
        )
        self.state_machine_starts = StateMachineStarts(self.store, self.sfn)
        self.routes = RouteTable()
        self.openapi: dict[str, Path] = {}
        self.project_root: Path | None = None  # the checkout it was wired from: /catalog's
        self.settings: dict[str, str] = {"EVENT_BUS_NAME": self.options.bus_name}
        self.environment = LocalEnvironment(
            self.store.path.parent,
            InProcessClients(
                {
                    "events": events_service(self.bus),
                    "stepfunctions": sfn_service(self.sfn),
                    "sns": sns_service(self.topics),
                }
            ),
            self.settings,
        )
        environment.activate(self.environment)  # handlers run in this process, on this runtime
        self.queue_consumers: list[QueueConsumer] = []
        self.stream_consumers: list[StreamConsumer] = []
        self._stop = threading.Event()
        self._next_expiry = 0.0
        self._scheduler: Scheduler | None = None
        self._housekeeper: threading.Thread | None = None

    # --- wiring -------------------------------------------------------------------------------
    @classmethod
    def from_project(
        cls, root: Path, options: RuntimeOptions | None = None, *, clock: Clock | None = None
    ) -> LocalRuntime:
        """A runtime wired from the project's manifests, validating against its contracts."""
        options = options or RuntimeOptions(state_dir=root / DEFAULT_DIR)
        catalog = load_catalog(root / "contracts" / "schemas")
        validator = ContractValidator(catalog, MODELS) if options.validate_contracts else None
        runtime = cls(options, clock=clock, validator=validator)
        runtime.project_root = root
        runtime.settings["CATALOG_PATH"] = str(root / "catalog" / "products.json")
        manifests = [load_manifest(p, catalog) for p in discover_manifests(root)]
        runtime.settings.update(local_analytics_settings(root, manifests))
        runtime.apply(runtime.wiring(manifests, catalog))
        return runtime

    def wiring(self, manifests: Sequence[ServiceManifest], catalog: Catalog) -> Wiring:
        return wire(manifests, catalog, retry_base_delay=self.options.retry_base_delay)

    def apply(self, wiring: Wiring) -> None:
        """Create the resources of ``wiring`` (idempotent: state already stored is kept)."""
        for spec in wiring.streams:
            self.streams.create(
                spec.name, shard_count=spec.shards, retention_hours=spec.retention_hours
            )
        for name, settings in sorted(
            wiring.queues.items(), key=lambda kv: kv[1].dead_letter_queue is not None
        ):
            self.queues.create(name, settings)
        for name, function in wiring.functions.items():
            self.functions.register(name, function)
        for consumer in wiring.queue_consumers:
            self.queue_consumers.append(QueueConsumer(consumer, self.queues, self.functions))
        for name, consumer_spec in wiring.stream_consumers:
            self._add_stream_consumer(name, consumer_spec)
        self.apply_topics(wiring.topics)
        for delivery_stream in wiring.delivery_streams:
            self.delivery_streams.create(delivery_stream)
        for rule in wiring.rules:
            self.add_rule(rule)
        for machine in wiring.state_machines:
            self.put_state_machine(machine)
        for route in wiring.routes:
            self.routes.add(route)
        self.openapi.update(wiring.openapi)

    def _add_stream_consumer(self, name: str, consumer_spec: StreamConsumerSpec) -> None:
        self.functions.register(
            name,
            FunctionSettings(
                handler=consumer_spec.handler,
                timeout=consumer_spec.timeout,
                retry_base_delay=self.options.retry_base_delay,
            ),
        )
        on_failure = consumer_spec.on_failure or f"{name}-dlq"
        self.queues.create(on_failure)
        self.stream_consumers.append(
            StreamConsumer(
                StreamConsumerSettings(
                    name=name,
                    stream=consumer_spec.stream,
                    function=name,
                    starting_position=consumer_spec.starting_position,
                    batch_size=consumer_spec.batch_size,
                    maximum_batching_window=consumer_spec.batching_window,
                    bisect_batch_on_function_error=consumer_spec.bisect_batch_on_function_error,
                    maximum_retry_attempts=consumer_spec.max_retry_attempts,
                    on_failure=on_failure,
                    report_batch_item_failures=consumer_spec.report_batch_item_failures,
                    retry_backoff=STREAM_RETRY_BACKOFF,
                ),
                self.streams,
                self.functions,
                self.queues,
            )
        )

    def apply_topics(self, topics: Sequence[TopicSettings]) -> None:
        """Create the topics and (re)subscribe their manifest subscriptions under stable ARNs."""
        for topic in topics:
            self.topics.create_topic(topic.name)
            for subscription in topic.subscriptions:
                self._subscribe(topic.name, subscription)

    def _subscribe(self, topic: str, subscription: TopicSubscriptionSettings) -> None:
        self.topics.subscribe(
            topic,
            subscription.protocol,
            subscription.endpoint,
            raw_message_delivery=subscription.raw_message_delivery,
            filter_policy=subscription.filter_policy,
            filter_policy_scope=subscription.filter_policy_scope,
            name=subscription.name,
        )

    def add_rule(self, rule: Rule) -> None:
        self.bus.put_rule(rule)

    def put_state_machine(self, machine: StateMachineSettings) -> str:
        """Create or update a state machine (running executions keep the definition they
        started with). A changed type replaces it, as CloudFormation does."""
        arn = state_machine_arn(machine.name)
        try:
            existing = self.sfn.describe_state_machine(arn)["type"]
        except AwsError:
            existing = machine.type
        if existing != machine.type:
            self.sfn.delete_state_machine(arn)
        arn = self.sfn.put_state_machine(machine.name, machine.definition, type=machine.type)
        self.settings[f"state-machine-arn:{machine.name}"] = arn
        return arn

    # --- delivery -----------------------------------------------------------------------------
    def _steps(self) -> list[Worker]:
        """The delivery workers, each with the channels that announce its work."""
        workers = [Worker("invoker", self.functions.run_due, (INVOCATIONS_CHANNEL,))]
        workers += [
            Worker(
                f"queue:{c.settings.queue}",
                lambda c=c: c.poll_once().delivered,  # type: ignore[misc]
                (queue_channel(c.settings.queue),),
            )
            for c in self.queue_consumers
        ]
        workers += [
            Worker(f"stream:{c.settings.name}", c.poll_once, (stream_channel(c.settings.stream),))
            for c in self.stream_consumers
        ]
        workers.append(Worker("sfn", self._run_state_machines, (EXECUTIONS_CHANNEL,)))
        # The lake's flusher, by time alone: a buffer is due by its size or its oldest record's age.
        workers.append(Worker("lake", self.delivery_streams.run_due))
        # A second executions worker, so one long synchronous Task does not hold up the rest.
        workers.append(
            Worker(
                "sfn-executions", lambda: self.sfn.run_due(limit=SFN_CLAIM), (EXECUTIONS_CHANNEL,)
            )
        )
        return workers

    def lake_status(self) -> list[DeliveryStreamStatus]:
        """Each delivery stream's records buffered, objects and bytes written, rows delivered
        and conversion failures."""
        return self.delivery_streams.status()

    def _run_state_machines(self) -> int:
        """Start executions the bus asked for, then run the executions that are due."""
        return self.state_machine_starts.run_once() + self.sfn.run_due(limit=SFN_CLAIM)

    def run_until_idle(self, max_rounds: int = 1000) -> int:
        """Deliver in this thread until no worker has anything due; items handled."""
        handled = 0
        steps = [worker.step for worker in self._steps()]
        for _ in range(max_rounds):
            round_handled = sum(step() for step in steps)
            handled += round_handled
            if round_handled == 0:
                break
        return handled

    def start(self) -> None:
        """Start the delivery threads (and housekeeping's); returns at once."""
        self._stop.clear()
        self.sfn.recover()  # executions a killed process was running are due again
        self.delivery_streams.recover()  # batches a killed process sealed are written again
        workers = self._steps()
        for worker in workers:
            self.store.listen(worker.channels, worker)
        self._scheduler = Scheduler(
            workers, threads=self.options.delivery_threads, poll_interval=self.options.poll_interval
        )
        self._scheduler.start()
        self._housekeeper = threading.Thread(
            target=self._housekeep, name="ordermesh:housekeeping", daemon=True
        )
        self._housekeeper.start()

    def _housekeep(self) -> None:
        while not self._stop.is_set():
            try:
                self._housekeeping()
            except Exception:
                logger.exception("housekeeping failed a round")
            self._stop.wait(HOUSEKEEPING_INTERVAL)

    def _housekeeping(self) -> None:
        """Checkpoint the WAL every few seconds; drop expired messages, records and invocation
        log rows each minute."""
        now = self.clock.now()
        if now >= self._next_expiry:
            self.queues.expire()
            self.streams.expire()
            self.functions.invocation_log.prune(now)
            self._next_expiry = now + 60
        self.store.checkpoint()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.stop(timeout)
            for worker in self._scheduler.workers:  # a later start() makes new ones
                self.store.unlisten(worker)
            self._scheduler = None
        if self._housekeeper is not None:
            self._housekeeper.join(timeout)
            self._housekeeper = None
        self.functions.invocation_log.stop()

    def close(self) -> None:
        self.stop()
        environment.deactivate(self.environment)
        if self.logs is not None:
            self.logs.close()
        if self.faults is not None:
            self.faults.close()
        self.functions.invocation_log.stop()  # what handlers recorded since ``stop``
        self.store.close()

    async def _openapi(self, request: Request) -> Response:
        """A service's committed OpenAPI document."""
        path = self.openapi.get(request.path_params["service"])
        if path is None or not path.is_file():
            return JSONResponse({"message": "Not Found"}, 404)
        return Response(path.read_bytes(), media_type="application/json")

    def http_app(self) -> Starlette:
        """The AWS endpoints (POST /: EventBridge and Step Functions by ``X-Amz-Target``, SNS by
        a form's ``Action``), the services' HTTP APIs, the operators' dashboard, the order trace
        and the event catalog (``/catalog``, when wired from a checkout) on one app."""
        gateway = HttpApiGateway(self.functions, self.routes)
        aws = aws_endpoint(self.bus, self.sfn, self.topics)
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
        app = Starlette(
            routes=[
                Route("/", aws, methods=["POST"]),
                Route("/openapi/{service}.json", self._openapi, methods=["GET"]),
                *dashboard.routes(self),
                *trace_page.routes(self),
                *(catalog_routes(self, self.project_root) if self.project_root else ()),
                Route("/{path:path}", gateway.endpoint, methods=methods),
            ]
        )
        # A path with a newline matches no route pattern (Starlette's ``.*``): the APIs still
        # answer it (as API Gateway would) instead of Starlette's plain-text 404.
        app.router.default = request_response(gateway.endpoint)
        return app


# One process, one clock: events reach the analytics stream within milliseconds of their event
# time, so the local runtime allows 5 seconds of lateness (AWS: 2 minutes) and a minute window
# is final about 5 seconds after it ends; the demo's normal traffic is the anomaly models' prior
# (decision note 2026-12-05-anomaly-alerts).
LOCAL_ALLOWED_LATENESS_SECONDS = 5
NORMAL_TRAFFIC = Path("catalog") / "normal-traffic.json"


def local_analytics_settings(root: Path, manifests: Sequence[ServiceManifest]) -> dict[str, str]:
    """The analytics service's local settings: its lateness, its prior, and the shard count of
    the stream it reads (``STREAM_SHARDS``: an unread shard's backlog then holds the windows
    open, instead of being counted late, when the consumer starts on a stream with a backlog)."""
    settings = {"ALLOWED_LATENESS_SECONDS": str(LOCAL_ALLOWED_LATENESS_SECONDS)}
    read = {
        c.stream for m in manifests if m.service.name == "analytics" for c in m.stream_consumers
    }
    shards = [s.shards for m in manifests for s in m.streams if s.name in read]
    if len(shards) == 1:
        settings["STREAM_SHARDS"] = str(shards[0])
    if (root / NORMAL_TRAFFIC).is_file():
        settings["ANOMALY_PRIOR_PATH"] = str(root / NORMAL_TRAFFIC)
    return settings
