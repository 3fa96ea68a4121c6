"""Validation: every example passes; every violation names event@version, pointer and reason."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from ordermesh_contracts.catalog import Catalog
from ordermesh_contracts.errors import ContractViolation
from ordermesh_contracts.models.index import MODELS
from ordermesh_contracts.models.order import order_placed_v1, order_placed_v2
from ordermesh_contracts.models.saga import reserve_inventory_v1
from ordermesh_contracts.validation import ContractValidator, default_validator, validate

from .conftest import PROJECT_ROOT, example

ALL_EXAMPLES = sorted((PROJECT_ROOT / "contracts" / "schemas").glob("*/*/examples/v*/*.json"))


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: "/".join(p.parts[-4:]))
def test_every_example_validates_into_its_generated_model(path: Any) -> None:
    import json

    event = json.loads(path.read_text())
    model = validate(event)
    models = MODELS[
        (event["source"], event["detail-type"], event["detail"]["metadata"]["eventVersion"])
    ]
    assert isinstance(model, models.event)
    # Nothing is lost: the dumped model still satisfies the contract and reads back equal.
    dumped = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert validate(dumped) == model
    assert dumped.keys() == event.keys()


def test_the_version_in_the_metadata_picks_the_model(catalog: Catalog) -> None:
    v1 = validate(example(catalog, "OrderPlaced@1"))
    v2 = validate(example(catalog, "OrderPlaced@2", "two-lines"))
    assert isinstance(v1, order_placed_v1.OrderPlacedEvent)
    assert isinstance(v2, order_placed_v2.OrderPlacedEvent)
    assert v2.detail.data.total.amount == "32.90"


def test_a_wrong_type_deep_in_the_data_names_event_version_and_pointer(catalog: Catalog) -> None:
    event = example(catalog, "OrderPlaced@2", "two-lines")
    event["detail"]["data"]["lines"][1]["unitPrice"]["amount"] = 7.9
    with pytest.raises(ContractViolation) as caught:
        validate(event)
    assert caught.value.event == "OrderPlaced@2"
    assert caught.value.pointer == "/detail/data/lines/1/unitPrice/amount"
    assert "string" in caught.value.reason


def test_all_violations_are_reported_not_just_the_first(catalog: Catalog) -> None:
    event = example(catalog, "OrderPlaced@2")
    del event["detail"]["data"]["customerId"]
    event["detail"]["metadata"]["occurredAt"] = "yesterday"
    with pytest.raises(ContractViolation) as caught:
        validate(event)
    pointers = {v.pointer for v in caught.value.all}
    assert pointers == {"/detail/data", "/detail/metadata/occurredAt"}


def test_a_v1_event_does_not_pass_as_v2(catalog: Catalog) -> None:
    event = example(catalog, "OrderPlaced@1")
    event["detail"]["metadata"]["eventVersion"] = 2
    with pytest.raises(ContractViolation) as caught:
        validate(event)
    assert caught.value.event == "OrderPlaced@2"


@pytest.mark.parametrize(
    ("mutate", "pointer", "reason"),
    [
        (lambda e: e.update({"detail-type": "OrderMisplaced"}), "/detail-type", "no contract for"),
        (lambda e: e.pop("source"), "/source", "missing"),
        (
            lambda e: e["detail"]["metadata"].update(eventVersion=9),
            "/detail/metadata/eventVersion",
            "no version 9",
        ),
        (
            lambda e: e["detail"]["metadata"].update(eventVersion="2"),
            "/detail/metadata/eventVersion",
            "not an integer",
        ),
        (lambda e: e["detail"].pop("metadata"), "/detail/metadata/eventVersion", "missing"),
    ],
    ids=["unknown-event", "no-source", "unknown-version", "string-version", "no-metadata"],
)
def test_events_that_name_no_contract_say_why(
    catalog: Catalog, mutate: Any, pointer: str, reason: str
) -> None:
    event = example(catalog, "OrderPlaced@2")
    mutate(event)
    with pytest.raises(ContractViolation) as caught:
        validate(event)
    assert caught.value.pointer == pointer
    assert reason in caught.value.reason


def test_a_saga_command_without_task_token_is_rejected(catalog: Catalog) -> None:
    event = example(catalog, "ReserveInventory@1")
    assert isinstance(validate(event), reserve_inventory_v1.ReserveInventoryEvent)
    del event["detail"]["metadata"]["taskToken"]
    with pytest.raises(
        ContractViolation, match=r"ReserveInventory@1 /detail/metadata: .*taskToken"
    ):
        validate(event)


def test_detail_validation_reports_pointers_from_the_event_root(catalog: Catalog) -> None:
    detail = copy.deepcopy(example(catalog, "PaymentDeclined@1")["detail"])
    detail["data"]["declineCode"] = "NOPE"
    with pytest.raises(ContractViolation) as caught:
        default_validator().validate_detail("ordermesh.payment", "PaymentDeclined", detail)
    assert caught.value.pointer == "/detail/data/declineCode"


def test_unknown_fields_are_accepted_open_content_model(catalog: Catalog) -> None:
    event = example(catalog, "OrderConfirmed@1")
    event["detail"]["data"]["loyaltyPoints"] = 12
    event["detail"]["metadata"]["traceId"] = "1-abc"
    assert validate(event) is not None


def test_violations_lists_every_problem_without_raising(catalog: Catalog) -> None:
    validator = ContractValidator(catalog, MODELS)
    assert validator.violations(example(catalog, "StockLevelLow@1")) == []
    event = example(catalog, "StockLevelLow@1")
    event["detail"]["data"]["available"] = -1
    assert [v.pointer for v in validator.violations(event)] == ["/detail/data/available"]


@pytest.mark.parametrize(
    ("version", "reason"), [(True, "not an integer"), (1.0, "not an integer"), (3, "no version 3")]
)
def test_violations_of_an_event_like_one_seen_before_name_its_own_contract(
    catalog: Catalog, version: Any, reason: str
) -> None:
    # Given the validator has seen a valid OrderPlaced v1 (True == 1.0 == 1 in Python)
    validator = ContractValidator(catalog, MODELS)
    assert validator.violations(example(catalog, "OrderPlaced@1")) == []
    # Then an event claiming another version, or none as JSON reads it, is not taken for it
    event = example(catalog, "OrderPlaced@1")
    event["detail"]["metadata"]["eventVersion"] = version
    (violation,) = validator.violations(event)
    assert violation.pointer == "/detail/metadata/eventVersion"
    assert reason in violation.reason
    # And a v2 event is checked against v2, however many v1 events were seen
    assert {v.event for v in validator.violations(event | {"detail": _as_v2(event)})} == {
        "OrderPlaced@2"
    }


def _as_v2(event: dict[str, Any]) -> dict[str, Any]:
    detail = copy.deepcopy(event["detail"])
    detail["metadata"]["eventVersion"] = 2
    return detail
