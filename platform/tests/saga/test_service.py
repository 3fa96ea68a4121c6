"""The saga use cases (``saga.service``) against a fake Sagas port, and the saga's input model
(``saga.model``): OrderPlaced v2 -> SagaInput, start named by the order id, resume a step from
a decision, progress from describe + history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from ordermesh_contracts.models.order.order_placed_v2 import OrderPlacedDetail
from ordermesh_platform.saga import service
from ordermesh_platform.saga.engine import ExecutionPage, SagaNotFoundError, Sagas, Started
from ordermesh_platform.saga.model import Money, SagaInput, SagaLine
from ordermesh_platform.saga.replies import Failure, Success
from pydantic import ValidationError
from tests.corpus import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "contracts/schemas/order/OrderPlaced/examples/v2"
ARN = "arn:aws:states:eu-west-1:123456789012:execution:order-saga:"


class FakeSagas(Sagas):
    """Executions by order id, as Step Functions keeps them; records every call."""

    def __init__(self) -> None:
        self.executions: dict[str, dict[str, Any]] = {}
        self.histories: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.waiting: set[str] = set()

    def start(self, order_id: str, execution_input: dict[str, Any]) -> Started:
        self.calls.append(("start", (order_id, execution_input)))
        if order_id in self.executions:
            return Started(ARN + order_id, created=False)
        self.executions[order_id] = {
            "executionArn": ARN + order_id,
            "name": order_id,
            "status": "RUNNING",
            "startDate": datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
            "input": json.dumps(execution_input),
        }
        return Started(ARN + order_id, created=True)

    def describe(self, order_id: str) -> dict[str, Any]:
        self.calls.append(("describe", (order_id,)))
        if order_id not in self.executions:
            raise SagaNotFoundError(order_id)
        return self.executions[order_id]

    def history(self, execution_arn: str) -> Iterator[dict[str, Any]]:
        self.calls.append(("history", (execution_arn,)))
        yield from self.histories.get(execution_arn, [])

    def list(self, status: str | None, limit: int, next_token: str | None) -> ExecutionPage:
        self.calls.append(("list", (status, limit, next_token)))
        return ExecutionPage(list(self.executions.values()), None)

    def redrive(self, order_id: str) -> str:
        self.calls.append(("redrive", (order_id,)))
        return ""

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        self.calls.append(("succeed", (task_token, output)))
        return task_token in self.waiting

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        self.calls.append(("fail", (task_token, error, cause)))
        return task_token in self.waiting


def _saga_input(**changes: Any) -> SagaInput:
    fields: dict[str, Any] = {
        "orderId": "ord_01JD7Q4K2M9T",
        "customerId": "cus_8H2KQ1",
        "lines": [{"sku": "MUG-BLUE-350", "quantity": 2}],
        "total": {"amount": "25.00", "currency": "EUR"},
    }
    fields.update(changes)
    return SagaInput.model_validate(fields)


def _placed(name: str) -> OrderPlacedDetail:
    event = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return OrderPlacedDetail.model_validate(event["detail"])


# --- model --------------------------------------------------------------------------------------


def test_the_execution_input_has_api_names_and_the_order_as_correlation_id() -> None:
    assert _saga_input().execution_input() == {
        "orderId": "ord_01JD7Q4K2M9T",
        "customerId": "cus_8H2KQ1",
        "lines": [{"sku": "MUG-BLUE-350", "quantity": 2}],
        "total": {"amount": "25.00", "currency": "EUR"},
        "correlationId": "ord_01JD7Q4K2M9T",
    }


def test_a_given_correlation_id_is_kept_in_the_execution_input() -> None:
    saga_input = _saga_input(correlationId="corr-7")
    assert saga_input.execution_input()["correlationId"] == "corr-7"


def test_fields_can_be_given_by_their_python_names() -> None:
    saga_input = SagaInput(
        order_id="ord_01JD7Q4K2M9T",
        customer_id="cus_8H2KQ1",
        lines=[SagaLine(sku="MUG-BLUE-350", quantity=1)],
        total=Money(amount="12.5", currency="EUR"),
    )
    assert saga_input.execution_input()["total"] == {"amount": "12.5", "currency": "EUR"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"orderId": "ord_short"}, "orderId"),
        ({"orderId": "order_01JD7Q4K2M9T"}, "orderId"),
        ({"customerId": "cus_1"}, "customerId"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "MUG-BLUE-350", "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "MUG-BLUE-350", "quantity": 1001}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "mug-blue", "quantity": 1}]}, "lines.0.sku"),
        ({"total": {"amount": "01.00", "currency": "EUR"}}, "total.amount"),
        ({"total": {"amount": "1.00001", "currency": "EUR"}}, "total.amount"),
        ({"total": {"amount": "1.00", "currency": "eur"}}, "total.currency"),
        ({"correlationId": ""}, "correlationId"),
        ({"extra": 1}, "extra"),
    ],
)
def test_an_invalid_saga_input_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        _saga_input(**changes)
    assert [".".join(str(p) for p in e["loc"]) for e in error.value.errors()] == [field]


def test_a_saga_input_is_frozen() -> None:
    saga_input = _saga_input()
    with pytest.raises(ValidationError, match="frozen"):
        saga_input.order_id = "ord_01JD7Q4K2M9X"


# --- input_for ----------------------------------------------------------------------------------


def test_input_for_takes_what_the_commands_need_from_order_placed_v2() -> None:
    saga_input = service.input_for(_placed("two-lines"))
    placed = _placed("two-lines")
    assert saga_input.order_id == placed.data.order_id
    assert saga_input.customer_id == placed.data.customer_id
    assert [(line.sku, line.quantity) for line in saga_input.lines] == [
        (line.sku, line.quantity) for line in placed.data.lines
    ]
    assert len(saga_input.lines) == 2
    assert (saga_input.total.amount, saga_input.total.currency) == (
        placed.data.total.amount,
        placed.data.total.currency,
    )
    assert saga_input.correlation_id == placed.metadata.correlation_id


def test_input_for_the_single_line_example_gives_the_saga_execution_input() -> None:
    assert service.input_for(_placed("single-line")).execution_input() == {
        "orderId": "ord_01JD9A7XG3NB",
        "customerId": "cus_3TQ9ZZ",
        "lines": [{"sku": "KETTLE-STEEL-1L", "quantity": 1}],
        "total": {"amount": "49.00", "currency": "USD"},
        "correlationId": "ord_01JD9A7XG3NB",
    }


# --- start / resume / progress ------------------------------------------------------------------


def test_start_names_the_saga_by_the_order_and_sends_the_execution_input() -> None:
    sagas = FakeSagas()
    started = service.start(sagas, _saga_input())
    assert started == Started(ARN + "ord_01JD7Q4K2M9T", created=True)
    assert sagas.calls == [("start", ("ord_01JD7Q4K2M9T", _saga_input().execution_input()))]


def test_starting_the_same_order_again_reports_the_existing_saga() -> None:
    sagas = FakeSagas()
    first = service.start(sagas, _saga_input())
    again = service.start(sagas, _saga_input())
    assert again == Started(first.execution_arn, created=False)
    assert list(sagas.executions) == ["ord_01JD7Q4K2M9T"]


def test_a_success_decision_resumes_the_step_with_its_output() -> None:
    sagas = FakeSagas()
    sagas.waiting.add("tok-1")
    assert service.resume(sagas, Success("tok-1", {"reservationId": "res-1"})) is True
    assert sagas.calls == [("succeed", ("tok-1", {"reservationId": "res-1"}))]


def test_a_failure_decision_fails_the_step_with_its_error_and_cause() -> None:
    sagas = FakeSagas()
    sagas.waiting.add("tok-2")
    decision = Failure("tok-2", "PaymentDeclined", '{"code":"DECLINED","message":"no"}')
    assert service.resume(sagas, decision) is True
    assert sagas.calls == [
        ("fail", ("tok-2", "PaymentDeclined", '{"code":"DECLINED","message":"no"}'))
    ]


def test_resuming_a_step_nobody_waits_for_is_false() -> None:
    sagas = FakeSagas()
    assert service.resume(sagas, Success("gone", {})) is False
    assert service.resume(sagas, Failure("gone", "PaymentDeclined", "{}")) is False


def test_progress_reads_the_history_of_the_described_execution() -> None:
    sagas = FakeSagas()
    service.start(sagas, _saga_input())
    arn = ARN + "ord_01JD7Q4K2M9T"
    sagas.histories[arn] = [
        {
            "type": "TaskStateEntered",
            "timestamp": datetime(2026, 11, 22, 9, 0, 1, tzinfo=UTC),
            "stateEnteredEventDetails": {"name": "ReserveInventory"},
        },
        {"type": "TaskScheduled", "timestamp": datetime(2026, 11, 22, 9, 0, 1, tzinfo=UTC)},
    ]
    view = service.progress(sagas, "ord_01JD7Q4K2M9T")
    assert sagas.calls[1:] == [("describe", ("ord_01JD7Q4K2M9T",)), ("history", (arn,))]
    assert (view["orderId"], view["executionArn"], view["status"]) == (
        "ord_01JD7Q4K2M9T",
        arn,
        "RUNNING",
    )
    assert view["currentStep"] == "ReserveInventory"
    assert view["steps"] == [
        {
            "step": "ReserveInventory",
            "status": "RUNNING",
            "attempts": 1,
            "startedAt": "2026-11-22T09:00:01.000Z",
            "endedAt": None,
        }
    ]


def test_progress_of_an_order_without_a_saga_raises_not_found() -> None:
    with pytest.raises(SagaNotFoundError, match="ord_01JD7Q4K2M9X"):
        service.progress(FakeSagas(), "ord_01JD7Q4K2M9X")
