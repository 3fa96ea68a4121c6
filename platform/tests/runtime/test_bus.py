from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from ordermesh_contracts.validation import default_validator
from ordermesh_platform.patterns import InvalidEventPatternError
from ordermesh_platform.runtime.bus import BusError, LocalEventBus, Rule, Target
from ordermesh_platform.runtime.functions import Functions, FunctionSettings
from ordermesh_platform.runtime.lambda_context import LambdaContext
from ordermesh_platform.runtime.queues import Queues
from ordermesh_platform.runtime.sinks import FunctionSink, QueueSink
from ordermesh_platform.runtime.transform import InputTransformer, TargetInput
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store


@pytest.fixture
def bus(store: Store, clock: ManualClock, queues: Queues, functions: Functions) -> LocalEventBus:
    return LocalEventBus(
        store,
        clock,
        sinks={"queue": QueueSink(queues), "function": FunctionSink(functions)},
        validator=default_validator(),
    )


def _queue_rule(
    name: str, pattern: dict[str, Any], queue: str, queues: Queues, **target: Any
) -> Rule:
    queues.create(queue)
    return Rule(name, json.dumps(pattern), (Target("t1", "queue", queue, **target),))


def test_accepted_event_is_archived_and_delivered_exactly_as_eventbridge_shapes_it(
    order_placed: dict[str, Any], bus: LocalEventBus, queues: Queues, clock: ManualClock
) -> None:
    bus.put_rule(_queue_rule("orders", {"source": ["ordermesh.order"]}, "q", queues))
    table = "arn:aws:dynamodb:us-east-1:000000000000:table/orders"
    result = bus.put_events([{**order_placed, "Resources": [table]}])
    assert result.failed_entry_count == 0
    event_id = result.entries[0].event_id
    assert event_id is not None
    uuid.UUID(event_id)
    [message] = queues.receive("q")
    event = json.loads(message.body)
    parsed = EventBridgeModel.model_validate(event)
    assert parsed.id == event_id
    assert parsed.detail_type == "OrderPlaced"
    assert parsed.resources == [table]
    assert event["account"] == "000000000000"
    assert event["time"] == "2026-01-01T00:00:00Z"
    assert event["detail"]["data"]["orderId"] == "ord_01JD9A7XG3NB"
    assert bus.archived() == [event]
    clock.advance(1)


def test_entry_errors_are_reported_per_entry_in_request_order(
    order_placed: dict[str, Any], bus: LocalEventBus
) -> None:
    good = order_placed
    entries = [
        {**good, "Source": ""},
        {**good, "DetailType": None},
        {**good, "Detail": "{not json"},
        {**good, "Detail": "[1]"},
        {**good, "Source": "aws.ec2"},
        {**good, "EventBusName": "other"},
        good,
    ]
    result = bus.put_events(entries).to_aws()
    assert result["FailedEntryCount"] == 6
    codes = [e.get("ErrorCode") for e in result["Entries"]]
    assert codes == [
        "InvalidArgument",
        "InvalidArgument",
        "MalformedDetail",
        "MalformedDetail",
        "NotAuthorizedForSourceException",
        "ResourceNotFoundException",
        None,
    ]
    assert "Source is a required argument" in result["Entries"][0]["ErrorMessage"]
    assert "EventId" in result["Entries"][6]
    assert bus.archive_count() == 1


def test_contract_violations_fail_the_entry_with_event_and_pointer(
    order_placed: dict[str, Any], bus: LocalEventBus
) -> None:
    entry = order_placed
    detail = json.loads(entry["Detail"])
    detail["data"]["lines"][0]["quantity"] = 0
    result = bus.put_events(
        [{**entry, "Detail": json.dumps(detail)}, {**entry, "Source": "com.partner"}]
    )
    first, second = result.entries
    assert first.error_code == "ContractViolation"
    assert "OrderPlaced@2" in str(first.error_message)
    assert "/detail/data/lines/0/quantity" in str(first.error_message)
    assert second.event_id is not None, "events of sources without contracts pass"


def test_request_limits(order_placed: dict[str, Any], bus: LocalEventBus) -> None:
    with pytest.raises(BusError, match="less than or equal to 10"):
        bus.put_events([order_placed] * 11)
    big = {**order_placed, "Source": "com.partner", "Detail": json.dumps({"x": "y" * 262_144})}
    with pytest.raises(BusError, match="over the limit"):
        bus.put_events([big])
    with pytest.raises(BusError, match="at least 1"):
        bus.put_events([])


def test_disabled_rules_and_input_path(
    order_placed: dict[str, Any], bus: LocalEventBus, queues: Queues
) -> None:
    bus.put_rule(
        _queue_rule(
            "data-only",
            {"detail-type": ["OrderPlaced"]},
            "data",
            queues,
            input=TargetInput(input_path="$.detail.data.total"),
        )
    )
    bus.put_rule(_queue_rule("off", {"source": ["ordermesh.order"]}, "off", queues))
    bus.set_rule_state("off", "DISABLED")
    bus.put_events([order_placed])
    assert [json.loads(m.body) for m in queues.receive("data")] == [
        {"amount": "49.00", "currency": "USD"}
    ]
    assert queues.receive("off") == []


def test_invalid_patterns_are_rejected_when_the_rule_is_created(
    bus: LocalEventBus, queues: Queues
) -> None:
    with pytest.raises(InvalidEventPatternError):
        bus.put_rule(_queue_rule("bad", {"source": [{"prefx": "ordermesh"}]}, "q", queues))
    with pytest.raises(BusError, match="no stream targets"):
        bus.put_rule(Rule("s", '{"source": ["x"]}', (Target("t", "stream", "analytics"),)))
    assert bus.rules() == []


def test_a_rule_whose_wildcards_are_too_complex_is_not_created(
    bus: LocalEventBus, queues: Queues
) -> None:
    stacks = [f"*:stack/{name}/*" for name in ("Shared", "Tracker", "Worker", "Monitoring")]
    pattern = {"detail": {"stack-id": [{"wildcard": stack} for stack in stacks]}}
    with pytest.raises(InvalidEventPatternError) as caught:
        bus.put_rule(_queue_rule("stacks", pattern, "q", queues))
    assert str(caught.value) == (
        "Event pattern is not valid. Reason: Rule is too complex - try using fewer wildcard "
        "characters or fewer repeating character sequences after a wildcard character"
    )
    assert bus.rules() == []
    pattern["detail"]["stack-id"].pop()
    bus.put_rule(_queue_rule("stacks", pattern, "q", queues))
    assert [rule.name for rule in bus.rules()] == ["stacks"]


def test_function_target_gets_the_eventbridge_event(
    order_placed: dict[str, Any], bus: LocalEventBus, functions: Functions
) -> None:
    received: list[EventBridgeModel] = []

    def handler(event: dict[str, Any], context: LambdaContext) -> None:
        assert context.function_name == "on-order"
        received.append(EventBridgeModel.model_validate(event))

    functions.register("on-order", FunctionSettings(handler="x:y"), handler)
    bus.put_rule(
        Rule("on-order", '{"source": ["ordermesh.order"]}', (Target("f", "function", "on-order"),))
    )
    [outcome] = bus.put_events([order_placed]).entries
    assert len(functions.pending("on-order")) == 1, "queued durably before delivery"
    assert functions.run_due() == 1
    assert [e.id for e in received] == [outcome.event_id]


def test_replay_redelivers_a_time_window_with_replay_name(
    order_placed: dict[str, Any], bus: LocalEventBus, queues: Queues, clock: ManualClock
) -> None:
    bus.put_rule(_queue_rule("all", {"source": ["ordermesh.order", "com.partner"]}, "q", queues))
    start = clock.now()
    bus.put_events([order_placed])
    clock.advance(60)
    bus.put_events([{**order_placed, "Source": "com.partner"}])
    clock.advance(60)
    bus.put_events([order_placed])
    for message in queues.receive("q", 10):
        queues.delete("q", message.receipt_handle)

    replay = bus.replay(
        "again", start, start + 120, event_pattern='{"source": ["ordermesh.order"]}'
    )
    assert replay.events_replayed == 1
    [message] = queues.receive("q", 10)
    event = json.loads(message.body)
    assert event["replay-name"] == "again"
    assert event["source"] == "ordermesh.order"
    assert bus.archive_count() == 3, "replayed events are not archived again"
    with pytest.raises(BusError) as error:
        bus.replay("again", start, start + 1)
    assert error.value.code == "ResourceAlreadyExistsException"


def test_a_plain_text_template_reaches_a_function_as_a_json_string(
    order_placed: dict[str, Any], bus: LocalEventBus, functions: Functions
) -> None:
    received: list[Any] = []
    functions.register("f", FunctionSettings(handler="x:y"), lambda e, _c: received.append(e))
    transformer = InputTransformer(
        input_paths_map={"order": "$.detail.data.orderId"}, input_template="Order <order> placed"
    )
    target = Target("f", "function", "f", TargetInput(input_transformer=transformer))
    bus.put_rule(Rule("text", '{"source": ["ordermesh.order"]}', (target,)))
    bus.put_events([order_placed])
    functions.run_due()
    # a value outside a JSON string is inserted as JSON, so the text keeps its quotes
    assert received == ['Order "ord_01JD9A7XG3NB" placed']
