"""From manifests to the runtime's resources: one rule per subscription, with its function or
queue (and dead-letter queue), the queue consumers, the streams and their consumers.

Names follow the AWS stacks: the rule, function and queue of subscription ``reserve`` of
service ``inventory`` are all ``inventory-reserve``; its dead-letter queue is
``inventory-reserve-dlq``; a queue's consumer function is ``inventory-reserve-consumer``.
Streams and state machines keep the names their manifest gives them (targets refer to them by
those names). The manifest with ``[lake]`` gets one delivery stream per event version of the
catalog (``ordermesh_contracts.lake.delivery_streams``, the streams the CDK deploys) and one rule
per stream, ``platform-lake-<table>``; a manifest's rule to a ``delivery-stream`` must name one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ordermesh_contracts.catalog import Catalog
from ordermesh_contracts.errors import Problem
from ordermesh_contracts.lake import DeliveryStream, delivery_streams, lake_spec
from ordermesh_contracts.manifest import (
    ServiceManifest,
    StateMachineSpec,
    StreamConsumer,
    StreamSpec,
    Subscription,
    TopicSubscriptionSpec,
)
from ordermesh_contracts.manifest import Target as TargetSpec
from ordermesh_contracts.routing import PatternConflictError, subscription_pattern

from ordermesh_platform.runtime.bus import Rule, Target
from ordermesh_platform.runtime.functions import FunctionSettings
from ordermesh_platform.runtime.http_api import HttpRoute
from ordermesh_platform.runtime.queue_consumer import QueueConsumerSettings
from ordermesh_platform.runtime.queues import QueueSettings
from ordermesh_platform.runtime.transform import InputTransformer, TargetInput
from ordermesh_platform.sfn.validation import InvalidDefinition, validate_definition
from ordermesh_platform.sns import InvalidFilterPolicyError, compile_filter_policy

DLQ_RETENTION = 1_209_600.0  # 14 days, the most SQS keeps a message
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class WiringError(ValueError):
    """A manifest that cannot be wired: ``where`` names the manifest and field."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


@dataclass
class Wiring:
    rules: list[Rule] = field(default_factory=list)
    queues: dict[str, QueueSettings] = field(default_factory=dict)
    functions: dict[str, FunctionSettings] = field(default_factory=dict)
    queue_consumers: list[QueueConsumerSettings] = field(default_factory=list)
    streams: list[StreamSpec] = field(default_factory=list)
    stream_consumers: list[tuple[str, StreamConsumer]] = field(default_factory=list)
    state_machines: list[StateMachineSettings] = field(default_factory=list)
    routes: list[HttpRoute] = field(default_factory=list)
    openapi: dict[str, Path] = field(default_factory=dict)  # service -> its OpenAPI document
    delivery_streams: list[DeliveryStream] = field(default_factory=list)
    topics: list[TopicSettings] = field(default_factory=list)


@dataclass(frozen=True)
class TopicSubscriptionSettings:
    name: str  # stable within the topic: the subscription's ARN derives from it
    protocol: Literal["sqs", "lambda"]
    endpoint: str  # the queue or function
    raw_message_delivery: bool
    filter_policy: str | None  # JSON text, checked
    filter_policy_scope: Literal["MessageAttributes", "MessageBody"]


@dataclass(frozen=True)
class TopicSettings:
    name: str
    subscriptions: tuple[TopicSubscriptionSettings, ...] = ()


@dataclass(frozen=True)
class StateMachineSettings:
    name: str
    definition: str  # ASL JSON text, placeholders substituted, checked
    type: Literal["STANDARD", "EXPRESS"] = "STANDARD"


def wire(
    manifests: Sequence[ServiceManifest], catalog: Catalog, *, retry_base_delay: float = 60.0
) -> Wiring:
    """The resources the manifests declare."""
    wiring = Wiring()
    _add_lake(wiring, manifests, catalog)
    _add_topics(wiring, manifests, retry_base_delay)
    for manifest in manifests:
        service = manifest.service.name
        wiring.streams.extend(manifest.streams)
        for consumer in manifest.stream_consumers:
            wiring.stream_consumers.append((f"{service}-{consumer.name}", consumer))
        _add_state_machines(wiring, manifest)
        _add_http_api(wiring, manifest)
        for index, spec in enumerate(manifest.rules):
            try:
                wiring.rules.append(
                    _rule(
                        wiring,
                        f"{service}-{spec.name}",
                        spec.pattern,
                        spec.target,
                        enabled=spec.enabled,
                        description=spec.description,
                        service=service,
                        retry_base_delay=retry_base_delay,
                    )
                )
            except _TargetError as exc:
                where = f"{manifest.path or service}#/rules/{index}/target/{exc.field}"
                raise WiringError(where, exc.reason) from exc
            except ValueError as exc:
                raise WiringError(f"{manifest.path or service}#/rules/{index}", str(exc)) from exc
        for index, subscription in enumerate(manifest.subscriptions):
            where = f"{manifest.path or service}#/subscriptions/{index}"
            try:
                wiring.rules.append(
                    _subscribe(wiring, service, subscription, catalog, retry_base_delay)
                )
            except _TargetError as exc:
                raise WiringError(f"{where}/target/{exc.field}", exc.reason) from exc
            except (KeyError, ValueError) as exc:
                if isinstance(exc, PatternConflictError):
                    raise WiringError(f"{where}/pattern/{exc.where}", exc.reason) from exc
                raise WiringError(where, str(exc)) from exc
    return wiring


class _TargetError(ValueError):
    """A target field that names nothing: ``field`` is the field of the target."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _add_lake(wiring: Wiring, manifests: Sequence[ServiceManifest], catalog: Catalog) -> None:
    """The delivery streams of the manifest with ``[lake]``, and the rule feeding each."""
    try:
        found = lake_spec(manifests)
    except ValueError as exc:
        raise WiringError("#/lake", str(exc)) from exc
    if found is None:
        return
    manifest, spec = found
    service = manifest.service.name
    try:
        streams = delivery_streams(catalog, spec)
    except ValueError as exc:
        raise WiringError(f"{manifest.path or service}#/lake", str(exc)) from exc
    wiring.delivery_streams.extend(streams)
    for stream in streams:
        wiring.rules.append(
            Rule(
                name=f"{service}-{stream.rule}",
                event_pattern=json.dumps(stream.pattern),
                targets=(Target("delivery-stream", "delivery-stream", stream.name),),
                description=f"{stream.event} to the lake table {stream.database}.{stream.table}",
                managed_by=service,
            )
        )


def _add_topics(
    wiring: Wiring, manifests: Sequence[ServiceManifest], retry_base_delay: float
) -> None:
    """Every unit's topics, each subscription's queue or function, its filter policy checked
    (before the rules, so that a rule may publish to the topic of any unit)."""
    for manifest in manifests:
        _add_unit_topics(wiring, manifest, retry_base_delay)


def _add_unit_topics(wiring: Wiring, manifest: ServiceManifest, retry_base_delay: float) -> None:
    service = manifest.service.name
    for index, topic in enumerate(manifest.topics):
        where = f"{manifest.path or service}#/topics/{index}"
        if any(t.name == topic.name for t in wiring.topics):
            raise WiringError(f"{where}/name", f"topic {topic.name!r} is declared twice")
        subscriptions = tuple(
            _topic_subscription(
                wiring,
                f"{service}-{topic.name}",
                spec,
                f"{where}/subscriptions/{position}",
                retry_base_delay,
            )
            for position, spec in enumerate(topic.subscriptions)
        )
        wiring.topics.append(TopicSettings(topic.name, subscriptions))


def _topic_subscription(
    wiring: Wiring, prefix: str, spec: TopicSubscriptionSpec, where: str, retry_base_delay: float
) -> TopicSubscriptionSettings:
    text = None
    if spec.filter_policy is not None:
        try:
            policy = compile_filter_policy(spec.filter_policy, spec.filter_policy_scope)
        except InvalidFilterPolicyError as exc:
            inside = f" at {exc.path}" if exc.path else ""
            reason = f"not a valid SNS filter policy{inside}: {exc.reason}"
            raise WiringError(f"{where}/filter_policy", reason) from exc
        text = policy.text
    name = f"{prefix}-{spec.name}"
    dlq = f"{name}-dlq"
    wiring.queues[dlq] = QueueSettings(retention_seconds=DLQ_RETENTION)
    if spec.protocol == "lambda":
        wiring.functions[name] = FunctionSettings(
            handler=str(spec.handler),
            timeout=spec.timeout,
            memory_mb=spec.memory,
            dead_letter_queue=dlq,
            retry_base_delay=retry_base_delay,
        )
    else:
        wiring.queues[name] = QueueSettings(
            visibility_timeout=spec.visibility_timeout,
            max_receive_count=spec.max_receive_count,
            dead_letter_queue=dlq,
        )
        if spec.handler is not None:
            consumer = f"{name}-consumer"
            wiring.functions[consumer] = FunctionSettings(
                handler=spec.handler,
                timeout=spec.timeout,
                memory_mb=spec.memory,
                retry_base_delay=retry_base_delay,
            )
            wiring.queue_consumers.append(
                QueueConsumerSettings(queue=name, function=consumer, batch_size=spec.batch_size)
            )
    return TopicSubscriptionSettings(
        spec.name, spec.protocol, name, spec.raw_message_delivery, text, spec.filter_policy_scope
    )


def _add_state_machines(wiring: Wiring, manifest: ServiceManifest) -> None:
    for index, machine in enumerate(manifest.state_machines):
        where = f"{manifest.path or manifest.service.name}#/state_machines/{index}"
        if any(m.name == machine.name for m in wiring.state_machines):
            raise WiringError(f"{where}/name", f"state machine {machine.name!r} is declared twice")
        try:
            wiring.state_machines.append(_state_machine(machine, manifest.path))
        except ValueError as exc:
            raise WiringError(f"{where}/definition", str(exc)) from exc


def _add_http_api(wiring: Wiring, manifest: ServiceManifest) -> None:
    """The unit's API function (``<service>-api``) and its routes."""
    if manifest.http is None:
        return
    name = f"{manifest.service.name}-api"
    if manifest.http.openapi is not None:
        folder = manifest.path.parent if manifest.path is not None else Path()
        wiring.openapi[manifest.service.name] = folder / manifest.http.openapi
    wiring.functions[name] = FunctionSettings(
        handler=manifest.http.handler, timeout=manifest.http.timeout, memory_mb=manifest.http.memory
    )
    taken = {route.route_key: route.function for route in wiring.routes}
    for index, key in enumerate(manifest.http.routes):
        if key in taken:
            where = f"{manifest.path or manifest.service.name}#/http/routes/{index}"
            raise WiringError(where, f"{key!r} is already served by {taken[key]}")
        wiring.routes.append(HttpRoute.parse(key, name))


def _state_machine(spec: StateMachineSpec, manifest: Path | None) -> StateMachineSettings:
    """The state machine with its definition read, substituted and checked."""
    path = spec.definition_path(manifest)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        message = f"cannot read {path}: {exc.strerror or exc}"
        raise ValueError(message) from exc
    text = substitute(text, spec.substitutions)
    try:
        definition = validate_definition(json.loads(text), state_machine_type=spec.type)
    except json.JSONDecodeError as exc:
        message = f"{path} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise ValueError(message) from exc
    except InvalidDefinition as exc:
        raise ValueError(f"{path} is not a valid state machine: {exc.message}") from exc
    return StateMachineSettings(spec.name, json.dumps(definition), spec.type)


def substitute(text: str, substitutions: Mapping[str, str | int | float | bool]) -> str:
    """``${Name}`` replaced by ``substitutions[Name]`` as text (booleans as JSON spells them),
    as CloudFormation's DefinitionSubstitutions; a placeholder without a value is an error."""
    missing = sorted({m for m in _PLACEHOLDER.findall(text) if m not in substitutions})
    if missing:
        names = ", ".join(f"${{{name}}}" for name in missing)
        message = f"the definition uses {names} but substitutions gives no value for it"
        raise ValueError(message)

    def value(match: re.Match[str]) -> str:
        found = substitutions[match.group(1)]
        return json.dumps(found) if isinstance(found, bool) else str(found)

    return _PLACEHOLDER.sub(value, text)


def _subscribe(
    wiring: Wiring,
    service: str,
    subscription: Subscription,
    catalog: Catalog,
    retry_base_delay: float,
) -> Rule:
    return _rule(
        wiring,
        f"{service}-{subscription.name}",
        subscription_pattern(catalog, subscription),
        subscription.target,
        enabled=subscription.enabled,
        description=subscription.description,
        service=service,
        retry_base_delay=retry_base_delay,
    )


def _rule(  # noqa: PLR0913
    wiring: Wiring,
    name: str,
    pattern: Mapping[str, Any],
    spec: TargetSpec,
    *,
    enabled: bool,
    description: str,
    service: str,
    retry_base_delay: float,
) -> Rule:
    """The rule ``name`` and the resources its target needs."""
    dlq = f"{name}-dlq"
    target_input = TargetInput(
        input_path=spec.input_path,
        input_transformer=InputTransformer(
            input_template=spec.input_transformer.template,
            input_paths_map=dict(spec.input_transformer.paths),
        )
        if spec.input_transformer
        else None,
    )
    if spec.kind == "function":
        wiring.queues[dlq] = QueueSettings(retention_seconds=DLQ_RETENTION)
        wiring.functions[name] = FunctionSettings(
            handler=str(spec.handler),
            timeout=spec.timeout,
            memory_mb=spec.memory,
            max_retry_attempts=spec.max_retry_attempts,
            max_event_age=spec.max_event_age,
            dead_letter_queue=dlq,
            retry_base_delay=retry_base_delay,
        )
        target = Target("function", "function", name, target_input)
    elif spec.kind == "queue":
        wiring.queues[dlq] = QueueSettings(retention_seconds=DLQ_RETENTION)
        wiring.queues[name] = QueueSettings(
            visibility_timeout=spec.visibility_timeout,
            delay_seconds=spec.delay_seconds,
            max_receive_count=spec.max_receive_count,
            dead_letter_queue=dlq,
        )
        consumer = f"{name}-consumer"
        wiring.functions[consumer] = FunctionSettings(
            handler=str(spec.handler),
            timeout=spec.timeout,
            memory_mb=spec.memory,
            retry_base_delay=retry_base_delay,
        )
        wiring.queue_consumers.append(
            QueueConsumerSettings(
                queue=name,
                function=consumer,
                batch_size=spec.batch_size,
                batching_window=spec.batching_window,
            )
        )
        target = Target("queue", "queue", name, target_input)
    elif spec.kind == "stream":
        target = Target("stream", "stream", str(spec.name), target_input, spec.partition_key_path)
    elif spec.kind == "state-machine":
        target = Target("state-machine", "state-machine", str(spec.name), target_input)
    elif spec.kind == "delivery-stream":
        declared = {stream.name for stream in wiring.delivery_streams}
        if spec.name not in declared:
            reason = f"no delivery stream {spec.name!r}: the lake's streams are declared by [lake]"
            raise _TargetError("name", reason)
        target = Target("delivery-stream", "delivery-stream", str(spec.name), target_input)
    elif spec.kind == "topic":
        if spec.name not in {topic.name for topic in wiring.topics}:
            raise _TargetError("name", f"no topic {spec.name!r}: topics are declared by [[topics]]")
        target = Target("topic", "topic", str(spec.name), target_input)
    else:
        raise _TargetError("kind", f"{spec.kind!r} is not a target kind of the runtime")
    return Rule(
        name=name,
        event_pattern=json.dumps(pattern),
        targets=(target,),
        state="ENABLED" if enabled else "DISABLED",
        description=description,
        managed_by=service,
    )


def pattern_problems(manifests: Sequence[ServiceManifest], catalog: Catalog) -> list[Problem]:
    """Pattern contract check: each subscription's rule matches at least one example of its event
    version and no example of any other event version (except those in ``also_matches``)."""
    from ordermesh_platform.patterns import InvalidEventPatternError, compile_pattern

    examples = {
        contract.key: [event for _, event in contract.load_examples()]
        for contract in catalog.contracts.values()
    }
    problems: list[Problem] = []
    for manifest in manifests:
        for index, subscription in enumerate(manifest.subscriptions):
            where = f"{manifest.path or manifest.service.name}"
            pointer = f"#/subscriptions/{index}"
            try:
                own = catalog.find(subscription.event).key
                allowed = {own} | {catalog.find(ref).key for ref in subscription.also_matches}
                pattern = compile_pattern(subscription_pattern(catalog, subscription))
            except (KeyError, ValueError, InvalidEventPatternError) as exc:
                problems.append(Problem(where, pointer, str(exc)))
                continue
            if not any(pattern.matches(event) for event in examples[own]):
                reason = f"the pattern matches no example of {subscription.event}"
                problems.append(Problem(where, pointer + "/pattern", reason))
            for key, events in examples.items():
                if key not in allowed and any(pattern.matches(event) for event in events):
                    reason = f"the pattern also matches examples of {key.ref}"
                    problems.append(Problem(where, pointer + "/pattern", reason))
    return problems
