"""``StepFunctionsSagas`` (the saga's Step Functions adapter) over boto3: start named by the
order id, describe, history, list by status against moto's Step Functions (a Pass machine; moto
runs no states, so its executions stay RUNNING until stopped and its history is a fixed one).

moto accepts any task token in SendTaskSuccess/SendTaskFailure and has no RedriveExecution, so
the token calls, the mapping of STALE_TOKEN_ERRORS to ``False``, the redrive errors and history
paging are checked with botocore's Stubber on a real boto3 client instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws
from ordermesh_platform.saga.engine import (
    STALE_TOKEN_ERRORS,
    ExecutionPage,
    SagaConflictError,
    SagaNotFoundError,
    Started,
    StepFunctionsSagas,
)

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/order-saga"
MACHINE = f"arn:aws:states:{REGION}:123456789012:stateMachine:order-saga"
PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
ORDER = "ord_01JD7Q4K2M9T"
INPUT = {"orderId": ORDER, "lines": [{"sku": "MUG-BLUE-350", "quantity": 2}], "b": 1}


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def sfn(credentials: None) -> Iterator[Any]:
    del credentials
    with mock_aws():
        client = boto3.client("stepfunctions", region_name=REGION)
        created = client.create_state_machine(
            name="order-saga", definition=json.dumps(PASS), roleArn=ROLE
        )
        assert created["stateMachineArn"] == MACHINE
        yield client


@pytest.fixture
def sagas(sfn: Any) -> StepFunctionsSagas:
    return StepFunctionsSagas(sfn, MACHINE)


@pytest.fixture
def stubbed(credentials: None) -> Iterator[tuple[StepFunctionsSagas, Stubber]]:
    del credentials
    client = boto3.client("stepfunctions", region_name=REGION)
    with Stubber(client) as stubber:
        yield StepFunctionsSagas(client, MACHINE), stubber
        stubber.assert_no_pending_responses()


def _execution_arn(order_id: str) -> str:
    return f"arn:aws:states:{REGION}:123456789012:execution:order-saga:{order_id}"


# --- against moto -------------------------------------------------------------------------------


def test_the_execution_arn_is_the_machines_with_the_order_as_name(
    sagas: StepFunctionsSagas,
) -> None:
    assert sagas.execution_arn(ORDER) == _execution_arn(ORDER)


def test_start_creates_the_execution_named_by_the_order_with_sorted_compact_input(
    sagas: StepFunctionsSagas, sfn: Any
) -> None:
    started = sagas.start(ORDER, INPUT)
    assert started == Started(_execution_arn(ORDER), created=True)
    described = sfn.describe_execution(executionArn=started.execution_arn)
    assert described["name"] == ORDER
    assert described["input"] == (
        '{"b":1,"lines":[{"quantity":2,"sku":"MUG-BLUE-350"}],"orderId":"ord_01JD7Q4K2M9T"}'
    )


def test_starting_the_same_order_again_while_it_runs_reports_the_existing_saga(
    sagas: StepFunctionsSagas, sfn: Any
) -> None:
    first = sagas.start(ORDER, INPUT)
    again = sagas.start(ORDER, INPUT)
    assert len(sfn.list_executions(stateMachineArn=MACHINE)["executions"]) == 1
    assert again == Started(first.execution_arn, created=False)


def test_starting_the_same_order_with_other_input_reports_the_existing_saga(
    sagas: StepFunctionsSagas, sfn: Any
) -> None:
    first = sagas.start(ORDER, INPUT)
    again = sagas.start(ORDER, {**INPUT, "b": 2})
    assert again == Started(first.execution_arn, created=False)
    [execution] = sfn.list_executions(stateMachineArn=MACHINE)["executions"]
    assert execution["executionArn"] == first.execution_arn


def test_starting_an_order_whose_saga_has_stopped_reports_the_existing_saga(
    sagas: StepFunctionsSagas, sfn: Any
) -> None:
    first = sagas.start(ORDER, INPUT)
    sfn.stop_execution(executionArn=first.execution_arn)
    assert sagas.start(ORDER, INPUT) == Started(first.execution_arn, created=False)


def test_start_lets_other_errors_through(sfn: Any) -> None:
    sagas = StepFunctionsSagas(sfn, MACHINE.replace("order-saga", "missing"))
    with pytest.raises(ClientError) as error:
        sagas.start(ORDER, INPUT)
    assert error.value.response["Error"]["Code"] == "StateMachineDoesNotExist"


def test_describe_answers_describe_execution(sagas: StepFunctionsSagas) -> None:
    sagas.start(ORDER, INPUT)
    described = sagas.describe(ORDER)
    assert (described["executionArn"], described["name"], described["status"]) == (
        _execution_arn(ORDER),
        ORDER,
        "RUNNING",
    )
    assert described["stateMachineArn"] == MACHINE
    assert json.loads(described["input"]) == INPUT


def test_describing_an_order_without_a_saga_is_not_found(sagas: StepFunctionsSagas) -> None:
    with pytest.raises(SagaNotFoundError, match="ord_01JD7Q4K2M9X") as error:
        sagas.describe("ord_01JD7Q4K2M9X")
    assert isinstance(error.value.__cause__, ClientError)
    assert error.value.__cause__.response["Error"]["Code"] == "ExecutionDoesNotExist"


def test_history_yields_the_execution_events(sagas: StepFunctionsSagas) -> None:
    started = sagas.start(ORDER, INPUT)
    events = list(sagas.history(started.execution_arn))
    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["id"] for e in events] == [1, 2, 3, 4]


def test_list_filters_by_status(sagas: StepFunctionsSagas, sfn: Any) -> None:
    for order_id in ("ord_00000001", "ord_00000002", "ord_00000003"):
        sagas.start(order_id, {"orderId": order_id})
    sfn.stop_execution(executionArn=_execution_arn("ord_00000002"))
    aborted = sagas.list("ABORTED", 100, None)
    assert [e["name"] for e in aborted.executions] == ["ord_00000002"]
    assert aborted.next_token is None
    running = sagas.list("RUNNING", 100, None)
    assert sorted(e["name"] for e in running.executions) == ["ord_00000001", "ord_00000003"]
    assert len(sagas.list(None, 100, None).executions) == 3


def test_list_pages_with_the_next_token(sagas: StepFunctionsSagas) -> None:
    for order_id in ("ord_00000001", "ord_00000002", "ord_00000003"):
        sagas.start(order_id, {"orderId": order_id})
    first = sagas.list(None, 2, None)
    assert len(first.executions) == 2
    assert first.next_token
    second = sagas.list(None, 2, first.next_token)
    assert len(second.executions) == 1
    assert second.next_token is None
    names = {e["name"] for e in [*first.executions, *second.executions]}
    assert names == {"ord_00000001", "ord_00000002", "ord_00000003"}


def test_moto_accepts_any_task_token(sagas: StepFunctionsSagas) -> None:
    assert sagas.succeed("any-token", {"ok": True}) is True
    assert sagas.fail("any-token", "PaymentDeclined", "{}") is True


# --- with a Stubber -----------------------------------------------------------------------------


def test_list_sends_the_filter_limit_and_token(
    stubbed: tuple[StepFunctionsSagas, Stubber],
) -> None:
    sagas, stubber = stubbed
    stubber.add_response(
        "list_executions",
        {"executions": [], "nextToken": "page-3"},
        {
            "stateMachineArn": MACHINE,
            "maxResults": 10,
            "statusFilter": "FAILED",
            "nextToken": "page-2",
        },
    )
    assert sagas.list("FAILED", 10, "page-2") == ExecutionPage([], "page-3")


def test_history_follows_next_tokens_to_the_last_page(
    stubbed: tuple[StepFunctionsSagas, Stubber],
) -> None:
    sagas, stubber = stubbed
    arn = _execution_arn(ORDER)
    at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    page = [{"timestamp": at, "type": "ExecutionStarted", "id": 1}]
    stubber.add_response(
        "get_execution_history",
        {"events": page, "nextToken": "t2"},
        {"executionArn": arn, "maxResults": 1000},
    )
    stubber.add_response(
        "get_execution_history",
        {"events": [{"timestamp": at, "type": "TaskStateEntered", "id": 2}]},
        {"executionArn": arn, "maxResults": 1000, "nextToken": "t2"},
    )
    assert [e["id"] for e in sagas.history(arn)] == [1, 2]


def test_succeed_sends_the_output_as_compact_json(
    stubbed: tuple[StepFunctionsSagas, Stubber],
) -> None:
    sagas, stubber = stubbed
    stubber.add_response(
        "send_task_success", {}, {"taskToken": "tok", "output": '{"reservationId":"res-1"}'}
    )
    assert sagas.succeed("tok", {"reservationId": "res-1"}) is True


def test_fail_sends_the_error_and_cause(stubbed: tuple[StepFunctionsSagas, Stubber]) -> None:
    sagas, stubber = stubbed
    stubber.add_response(
        "send_task_failure",
        {},
        {"taskToken": "tok", "error": "PaymentDeclined", "cause": '{"code":"DECLINED"}'},
    )
    assert sagas.fail("tok", "PaymentDeclined", '{"code":"DECLINED"}') is True


@pytest.mark.parametrize("code", sorted(STALE_TOKEN_ERRORS))
def test_a_stale_token_is_false_not_an_error(
    stubbed: tuple[StepFunctionsSagas, Stubber], code: str
) -> None:
    sagas, stubber = stubbed
    stubber.add_client_error("send_task_success", service_error_code=code)
    stubber.add_client_error("send_task_failure", service_error_code=code)
    assert sagas.succeed("old", {}) is False
    assert sagas.fail("old", "PaymentDeclined", "{}") is False


def test_the_stale_token_errors_are_the_documented_ones() -> None:
    assert frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}) == STALE_TOKEN_ERRORS


@pytest.mark.parametrize("method", ["succeed", "fail"])
def test_other_send_task_errors_are_raised(
    stubbed: tuple[StepFunctionsSagas, Stubber], method: str
) -> None:
    sagas, stubber = stubbed
    operation = "send_task_success" if method == "succeed" else "send_task_failure"
    stubber.add_client_error(operation, service_error_code="ThrottlingException")
    args: tuple[Any, ...] = ("tok", {}) if method == "succeed" else ("tok", "E", "c")
    with pytest.raises(ClientError) as error:
        getattr(sagas, method)(*args)
    assert error.value.response["Error"]["Code"] == "ThrottlingException"


def test_redrive_answers_the_redrive_date(stubbed: tuple[StepFunctionsSagas, Stubber]) -> None:
    sagas, stubber = stubbed
    at = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    stubber.add_response(
        "redrive_execution", {"redriveDate": at}, {"executionArn": _execution_arn(ORDER)}
    )
    assert sagas.redrive(ORDER) == "2026-11-22 09:30:00+00:00"


@pytest.mark.parametrize("code", ["ExecutionNotRedrivable", "ExecutionLimitExceeded"])
def test_a_saga_that_cannot_be_redriven_is_a_conflict_with_the_aws_message(
    stubbed: tuple[StepFunctionsSagas, Stubber], code: str
) -> None:
    sagas, stubber = stubbed
    stubber.add_client_error(
        "redrive_execution", service_error_code=code, service_message="it succeeded"
    )
    with pytest.raises(SagaConflictError, match=r"^it succeeded$"):
        sagas.redrive(ORDER)


def test_redriving_an_order_without_a_saga_is_not_found(
    stubbed: tuple[StepFunctionsSagas, Stubber],
) -> None:
    sagas, stubber = stubbed
    stubber.add_client_error("redrive_execution", service_error_code="ExecutionDoesNotExist")
    with pytest.raises(SagaNotFoundError, match=ORDER):
        sagas.redrive(ORDER)


def test_other_redrive_errors_are_raised(stubbed: tuple[StepFunctionsSagas, Stubber]) -> None:
    sagas, stubber = stubbed
    stubber.add_client_error("redrive_execution", service_error_code="AccessDeniedException")
    with pytest.raises(ClientError) as error:
        sagas.redrive(ORDER)
    assert error.value.response["Error"]["Code"] == "AccessDeniedException"
