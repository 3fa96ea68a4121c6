"""Service manifests (``service.toml``): what a deployable unit publishes and subscribes to.

The manifest is the single description of how a service is wired: its CDK stack, the local
runtime and the contract checks all read it. Event references are ``Name@N`` (or
``source/Name@N`` where a name alone would be ambiguous).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ordermesh_contracts.errors import ContractError, Problem
from ordermesh_contracts.expectations import unknown_reads
from ordermesh_contracts.field_paths import FieldPath

if TYPE_CHECKING:
    from ordermesh_contracts.catalog import Catalog

MANIFEST_GLOBS = ("services/*/service.toml", "platform/platform.toml")
_EVENT_REF = re.compile(
    r"^(?:(?P<source>[a-z0-9.-]+)/)?(?P<name>[A-Z][A-Za-z0-9]+)@(?P<v>[1-9]\d*)$"
)
_PLACEHOLDER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FORMAT_CONVERSION_MIN_BUFFER_MB = 64


class EventRef(BaseModel):
    model_config = ConfigDict(frozen=True)
    source: str | None
    name: str
    version: int

    @classmethod
    def parse(cls, text: str) -> EventRef:
        match = _EVENT_REF.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not an event reference like 'OrderPlaced@2'")
        return cls(source=match["source"], name=match["name"], version=int(match["v"]))

    def __str__(self) -> str:
        prefix = f"{self.source}/" if self.source else ""
        return f"{prefix}{self.name}@{self.version}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceInfo(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    source: str = Field(pattern=r"^ordermesh\.[a-z][a-z0-9-]*$")
    description: str = ""
    # the team that owns the unit (a lower-case slug): the catalog lists its services by it
    owner: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]*$")


class Publication(_Strict):
    event: str
    description: str = ""

    @field_validator("event")
    @classmethod
    def _ref(cls, value: str) -> str:
        EventRef.parse(value)
        return value

    @property
    def ref(self) -> EventRef:
        return EventRef.parse(self.event)


def _field_paths(value: list[str]) -> list[str]:
    """Checks a list of field paths read (``data.lines[].sku``): well formed, none twice."""
    for path in value:
        FieldPath.parse(path)
    if len(set(value)) != len(value):
        raise ValueError("a field path is listed twice")
    return value


ALL_EVENTS = "*"


class EventReads(_Strict):
    """The fields of one event version that a consumer of several reads (``[[...reads]]``).

    ``event`` is ``Name@N``, or ``"*"`` for every event version of the catalog (what a consumer
    of every event, as the analytics stream's, reads of each). ``fields`` are paths in the
    event's detail, as a subscription's ``reads``.
    """

    event: str
    fields: list[str] = Field(min_length=1)

    @field_validator("event")
    @classmethod
    def _ref(cls, value: str) -> str:
        if value != ALL_EVENTS:
            EventRef.parse(value)
        return value

    @field_validator("fields")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        return _field_paths(value)

    @property
    def ref(self) -> EventRef | None:
        """The event version named, None for every one."""
        return None if self.event == ALL_EVENTS else EventRef.parse(self.event)


class InputTransformerSpec(_Strict):
    paths: dict[str, str] = Field(default_factory=dict)  # InputPathsMap
    template: str  # InputTemplate


class Target(_Strict):
    """Where a subscription's events go, with the settings its AWS resource would have.

    ``function``: an async Lambda invoke of ``handler`` (retries, then a dead-letter queue).
    ``queue``: an SQS queue with a dead-letter queue, consumed by ``handler`` in batches.
    ``stream``: the Kinesis stream ``name``. ``state-machine``: starts the state machine ``name``.
    ``delivery-stream``: the Firehose delivery stream ``name`` (the data lake's).
    ``topic``: publishes the event (its JSON is the message) to the SNS topic ``name``.
    """

    kind: Literal["function", "queue", "stream", "state-machine", "delivery-stream", "topic"]
    handler: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    name: str | None = None
    timeout: int = Field(default=30, ge=1, le=900)  # the function's timeout, seconds
    memory: int = Field(default=256, ge=128, le=10240)
    max_retry_attempts: int = Field(default=2, ge=0, le=2)  # async invokes
    max_event_age: int = Field(default=21600, ge=60, le=21600)
    visibility_timeout: int = Field(default=180, ge=0, le=43200)  # queues
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    delay_seconds: int = Field(default=0, ge=0, le=900)
    batch_size: int = Field(default=10, ge=1, le=10000)
    batching_window: int = Field(default=0, ge=0, le=300)
    partition_key_path: str | None = None  # streams
    input_path: str | None = None
    input_transformer: InputTransformerSpec | None = None

    @model_validator(mode="after")
    def _complete(self) -> Target:
        if self.kind in ("function", "queue") and self.handler is None:
            raise ValueError(f"a {self.kind} target needs a handler ('package.module:function')")
        if (
            self.kind in ("stream", "state-machine", "delivery-stream", "topic")
            and self.name is None
        ):
            raise ValueError(f"a {self.kind} target needs the name of the {self.kind}")
        if self.input_path is not None and self.input_transformer is not None:
            raise ValueError("a target takes input_path or input_transformer, not both")
        return self


class TopicSubscriptionSpec(_Strict):
    """A subscription to a topic (``[[topics.subscriptions]]``).

    ``protocol = "sqs"``: a queue (with a dead-letter queue) named ``<service>-<topic>-<name>``,
    consumed by ``handler`` when one is given (else it is read by whoever polls it, an on-call
    pager in AWS). ``protocol = "lambda"``: the function ``handler``, invoked asynchronously as SNS
    invokes it (retries, then a dead-letter queue). ``filter_policy`` is an SNS filter policy for
    ``filter_policy_scope``; the runtime and the CDK check it as SNS does.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    protocol: Literal["sqs", "lambda"]
    handler: str | None = Field(default=None, pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    raw_message_delivery: bool = False
    filter_policy: dict[str, Any] | None = None
    filter_policy_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes"
    description: str = ""
    timeout: int = Field(default=30, ge=1, le=900)
    memory: int = Field(default=256, ge=128, le=10240)
    visibility_timeout: int = Field(default=180, ge=0, le=43200)  # queues
    max_receive_count: int = Field(default=5, ge=1, le=1000)
    batch_size: int = Field(default=10, ge=1, le=10000)
    # the fields its handler reads, per event version the topic carries
    reads: list[EventReads] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> TopicSubscriptionSpec:
        if self.protocol == "lambda" and self.handler is None:
            raise ValueError("a lambda subscription needs a handler ('package.module:function')")
        if self.protocol == "lambda" and self.raw_message_delivery:
            raise ValueError("raw message delivery is for sqs subscriptions, not lambda")
        return self


class TopicSpec(_Strict):
    """An SNS topic the unit owns (``[[topics]]``) and its subscriptions; rules publish to it with
    a ``topic`` target. The CDK deploys it (encrypted, TLS only) and the runtime runs it."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,256}$")
    description: str = ""
    subscriptions: list[TopicSubscriptionSpec] = Field(default_factory=list)

    @field_validator("subscriptions")
    @classmethod
    def _unique(cls, value: list[TopicSubscriptionSpec]) -> list[TopicSubscriptionSpec]:
        names = [subscription.name for subscription in value]
        if len(set(names)) != len(names):
            raise ValueError("a subscription name is used twice")
        return value


class StreamSpec(_Strict):
    """A Kinesis stream the unit owns."""

    name: str = Field(pattern=r"^[a-zA-Z0-9_.-]{1,128}$")
    shards: int = Field(default=1, ge=1, le=64)
    retention_hours: int = Field(default=24, ge=24, le=8760)


class StreamConsumer(_Strict):
    """A function reading a stream (a Kinesis event source mapping).

    ``on_failure`` names the queue that gets the record of a batch discarded after its retries
    (the mapping's on-failure destination; by default ``<unit>-<name>-dlq``), and
    ``report_batch_item_failures`` lets the function answer ``batchItemFailures``.
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    stream: str
    handler: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    batch_size: int = Field(default=100, ge=1, le=10000)
    batching_window: int = Field(default=0, ge=0, le=300)
    starting_position: Literal["TRIM_HORIZON", "LATEST"] = "TRIM_HORIZON"
    bisect_batch_on_function_error: bool = True
    max_retry_attempts: int = Field(default=3, ge=-1, le=10000)
    timeout: int = Field(default=60, ge=1, le=900)
    memory: int = Field(default=512, ge=128, le=10240)  # the function's, in AWS
    on_failure: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9_-]{1,80}$")
    report_batch_item_failures: bool = True
    # the fields its handler reads, per event version the stream carries
    reads: list[EventReads] = Field(default_factory=list)


class Subscription(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    event: str
    target: Target
    pattern: dict[str, Any] | None = None  # extra filters, merged into the version's pattern
    description: str = ""
    enabled: bool = True
    # other event versions this subscription's pattern is meant to match too ("Name@N")
    also_matches: list[str] = Field(default_factory=list)
    # the fields of the event's detail its handler reads ("data.lines[].sku"): contracts check
    # fails when a revision or a new major version would remove or retype one of them
    reads: list[str] = Field(default_factory=list)

    @field_validator("reads")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        return _field_paths(value)

    @field_validator("also_matches")
    @classmethod
    def _refs(cls, value: list[str]) -> list[str]:
        for ref in value:
            EventRef.parse(ref)
        return value

    @field_validator("event")
    @classmethod
    def _ref(cls, value: str) -> str:
        EventRef.parse(value)
        return value

    @property
    def ref(self) -> EventRef:
        return EventRef.parse(self.event)


class RuleSpec(_Strict):
    """A rule on any events (the platform's analytics feed), not tied to one event version."""

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    pattern: dict[str, Any]
    target: Target
    description: str = ""
    enabled: bool = True
    # the fields its target's handler reads, per event version the rule matches
    reads: list[EventReads] = Field(default_factory=list)


class StateMachineSpec(_Strict):
    """A Step Functions state machine the unit owns (``[[state_machines]]``).

    ``definition`` is the path of its ASL JSON file, relative to the manifest. ``substitutions``
    fills ``${Name}`` placeholders in that file as CloudFormation's ``DefinitionSubstitutions``
    do (the text is replaced before the JSON is parsed), so the same file deploys with ARNs in
    AWS and with local names on the runtime.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,80}$")
    definition: str = Field(min_length=1, pattern=r"\.json$")
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"
    substitutions: dict[str, str | int | float | bool] = Field(default_factory=dict)
    description: str = ""

    @field_validator("definition")
    @classmethod
    def _relative(cls, value: str) -> str:
        if Path(value).is_absolute():
            raise ValueError(f"{value!r} must be a path relative to the manifest")
        return value

    @field_validator("substitutions")
    @classmethod
    def _names(
        cls, value: dict[str, str | int | float | bool]
    ) -> dict[str, str | int | float | bool]:
        for name in value:
            if not _PLACEHOLDER.match(name):
                raise ValueError(f"{name!r} is not a placeholder name (letters, digits, '_')")
        return value

    def definition_path(self, manifest: Path | None) -> Path:
        """The definition file: relative to the manifest's folder (or the current folder)."""
        return (manifest.parent if manifest is not None else Path()) / self.definition


_ROUTE_KEY = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (/[A-Za-z0-9._~{}+/-]*)$")


class HttpApi(_Strict):
    """The unit's HTTP API (``[http]``): one function behind its routes, as an API Gateway HTTP
    API with payload format 2.0 invokes it. ``routes`` are route keys (``"GET /orders/{orderId}"``;
    ``{name+}`` is a greedy segment); ``openapi`` is the committed OpenAPI document, relative to
    the manifest."""

    handler: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    routes: list[str] = Field(min_length=1)
    openapi: str | None = Field(default=None, pattern=r"\.json$")
    timeout: int = Field(default=29, ge=1, le=29)  # API Gateway's integration limit
    memory: int = Field(default=512, ge=128, le=10240)

    @field_validator("routes")
    @classmethod
    def _route_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            if not _ROUTE_KEY.match(key):
                raise ValueError(f"{key!r} is not a route key like 'GET /orders/{{orderId}}'")
        if len(set(value)) != len(value):
            raise ValueError("a route key is listed twice")
        return value


class Buffering(_Strict):
    """A delivery stream's buffering hints: an object is written when either is reached."""

    size_mb: int = Field(ge=1, le=128)
    interval_seconds: int = Field(ge=0, le=900)


class LakeSpec(_Strict):
    """The data lake (``[lake]``): one Firehose delivery stream per event version of the catalog,
    each converting its events to Parquet with the event version's Glue table schema.

    ``buffering`` is what the delivery streams get in AWS: with record format conversion Firehose
    takes 64 to 128 MB and 0 to 900 seconds. ``local_buffering`` is what the local runtime uses,
    small enough that a demo's events reach the lake within seconds. ``queries`` is the folder of
    the named queries (Athena SQL files), relative to the manifest.
    """

    database: str = Field(default="ordermesh_lake", pattern=r"^[a-z][a-z0-9_]{0,254}$")
    buffering: Buffering = Buffering(size_mb=64, interval_seconds=300)
    local_buffering: Buffering = Buffering(size_mb=1, interval_seconds=5)
    queries: str = "lake/queries"

    @field_validator("buffering")
    @classmethod
    def _conversion_limits(cls, value: Buffering) -> Buffering:
        if value.size_mb < FORMAT_CONVERSION_MIN_BUFFER_MB:
            raise ValueError(
                f"size_mb {value.size_mb}: with record format conversion Firehose buffers "
                f"{FORMAT_CONVERSION_MIN_BUFFER_MB} to 128 MB"
            )
        return value

    def queries_path(self, manifest: Path | None) -> Path:
        """The named queries' folder: relative to the manifest's folder."""
        return (manifest.parent if manifest is not None else Path()) / self.queries


class ServiceManifest(_Strict):
    service: ServiceInfo
    http: HttpApi | None = None
    publishes: list[Publication] = Field(default_factory=list)
    subscriptions: list[Subscription] = Field(default_factory=list)
    rules: list[RuleSpec] = Field(default_factory=list)
    streams: list[StreamSpec] = Field(default_factory=list)
    stream_consumers: list[StreamConsumer] = Field(default_factory=list)
    state_machines: list[StateMachineSpec] = Field(default_factory=list)
    topics: list[TopicSpec] = Field(default_factory=list)
    lake: LakeSpec | None = None
    path: Path | None = Field(default=None, exclude=True)


def load_manifest(path: Path, catalog: Catalog | None = None) -> ServiceManifest:
    """Read and check one manifest; a ContractError names the file and the field.

    Given the ``catalog``, every field a subscription ``reads`` must also exist in the schema
    of the event version it subscribes to.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContractError([Problem(str(path), "", f"cannot read manifest: {exc}")]) from exc
    try:
        manifest = ServiceManifest.model_validate({**raw, "path": path})
    except ValidationError as exc:
        problems = [
            Problem(str(path), "#/" + "/".join(str(p) for p in e["loc"]), e["msg"])
            for e in exc.errors()
        ]
        raise ContractError(problems) from exc
    if catalog is not None and (unknown := unknown_reads(manifest, catalog)):
        raise ContractError(unknown)
    return manifest


def discover_manifests(project_root: Path) -> list[Path]:
    return sorted(p for glob in MANIFEST_GLOBS for p in project_root.glob(glob))
