"""Consumer-declared reads: the path syntax, the check at manifest load, and who reads what."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordermesh_contracts.catalog import Catalog, EventKey
from ordermesh_contracts.errors import ContractError
from ordermesh_contracts.expectations import Consumer, field_readers
from ordermesh_contracts.field_paths import FieldPath, walk
from ordermesh_contracts.manifest import discover_manifests, load_manifest

from .conftest import PROJECT_ROOT

MANIFEST = """
[service]
name = "probe"
source = "ordermesh.probe"

[[subscriptions]]
name = "placed"
event = "OrderPlaced@2"
target = { kind = "queue", handler = "probe:handler" }
reads = [READS]
"""


def write_manifest(tmp_path: Path, *reads: str) -> Path:
    path = tmp_path / "service.toml"
    path.write_text(MANIFEST.replace("READS", ", ".join(f'"{r}"' for r in reads)))
    return path


@pytest.mark.parametrize("text", ["data.orderId", "data.lines[].sku", "metadata.correlationId"])
def test_a_field_path_reads_back_as_written(text: str) -> None:
    assert str(FieldPath.parse(text)) == text


@pytest.mark.parametrize("text", ["data..orderId", "data.lines[0].sku", "data.lines[]x", ""])
def test_a_malformed_path_is_refused_in_the_manifest(tmp_path: Path, text: str) -> None:
    with pytest.raises(ContractError) as raised:
        load_manifest(write_manifest(tmp_path, text))
    problem = raised.value.problems[0]
    assert (problem.file, problem.pointer) == (
        str(tmp_path / "service.toml"),
        "#/subscriptions/0/reads",
    )
    assert "is not a field path like 'data.lines[].sku'" in problem.message


def test_an_unknown_path_is_refused_at_load_naming_file_subscription_and_path(
    tmp_path: Path, catalog: Catalog
) -> None:
    path = write_manifest(tmp_path, "data.orderId", "data.lines[].colour")
    load_manifest(path)  # without the catalog only the syntax is checked
    with pytest.raises(ContractError) as raised:
        load_manifest(path, catalog)
    assert [str(p) for p in raised.value.problems] == [
        (
            f"{path}#/subscriptions/0/reads/1: subscription 'placed' reads 'data.lines[].colour', "
            "which OrderPlaced@2 does not have: detail.data.lines[] has no field 'colour'"
        )
    ]


def test_a_path_into_an_array_must_mark_it(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(ContractError) as raised:
        load_manifest(write_manifest(tmp_path, "data.lines.sku"), catalog)
    assert "detail.data.lines has no field 'sku'" in str(raised.value)


def test_every_manifest_of_the_repository_reads_fields_its_versions_have(
    catalog: Catalog,
) -> None:
    for path in discover_manifests(PROJECT_ROOT):
        load_manifest(path, catalog)


def test_the_task_token_is_required_in_a_command_and_optional_elsewhere(
    catalog: Catalog,
) -> None:
    token = FieldPath.parse("metadata.taskToken")
    command = walk(catalog.find("AuthorizePayment@1").bundled, token)
    reply = walk(catalog.find("PaymentAuthorized@1").bundled, token)
    assert (command.steps[-1].required, reply.steps[-1].required) == (True, False)
    assert command.steps[-1].types == frozenset({"string"})


def test_field_readers_lists_per_version_and_field_who_reads_it(catalog: Catalog) -> None:
    manifests = [load_manifest(p) for p in discover_manifests(PROJECT_ROOT)]
    readers = field_readers(manifests, catalog)
    succeeded = readers[EventKey("ordermesh.saga", "OrderSagaSucceeded", 1)]
    assert [str(c) for c in succeeded["data.paymentId"]] == ["order/saga-succeeded"]
    authorize = readers[EventKey("ordermesh.saga", "AuthorizePayment", 1)]
    assert authorize["data.amount.currency"] == [
        Consumer("payment", "authorize", str(PROJECT_ROOT / "services/payment/service.toml"))
    ]
    reserve = readers[EventKey("ordermesh.saga", "ReserveInventory", 1)]
    assert "data.lines[].sku" in reserve
    placed_v1 = readers[EventKey("ordermesh.order", "OrderPlaced", 1)]
    assert [p for p in placed_v1 if p.startswith("data.")] == []  # its data is read from v2 only


STREAM_MANIFEST = """
[service]
name = "probe"
source = "ordermesh.probe"

[[stream_consumers]]
name = "tally"
stream = "ordermesh-analytics"
handler = "probe:handler"

[[stream_consumers.reads]]
event = "*"
fields = ["metadata.occurredAt"]

[[stream_consumers.reads]]
event = "EVENT"
fields = ["data.orderId", "FIELD"]
"""


def write_stream_manifest(tmp_path: Path, event: str, field: str) -> Path:
    path = tmp_path / "service.toml"
    path.write_text(STREAM_MANIFEST.replace("EVENT", event).replace("FIELD", field))
    return path


def refused(path: Path, catalog: Catalog) -> list[str]:
    """The problems ``load_manifest`` refuses the manifest with, given the catalog."""
    with pytest.raises(ContractError) as raised:
        load_manifest(path, catalog)
    return [str(p) for p in raised.value.problems]


def test_a_stream_consumer_reading_a_field_its_version_lacks_is_refused_at_load(
    tmp_path: Path, catalog: Catalog
) -> None:
    path = write_stream_manifest(tmp_path, "OrderConfirmed@1", "data.total.colour")
    assert refused(path, catalog) == [
        (
            f"{path}#/stream_consumers/0/reads/1/fields/1: stream consumer 'tally' reads "
            "'data.total.colour', which OrderConfirmed@1 does not have: detail.data.total has no "
            "field 'colour'"
        )
    ]


def test_a_field_read_of_every_event_must_be_in_every_version(
    tmp_path: Path, catalog: Catalog
) -> None:
    path = write_stream_manifest(tmp_path, "OrderConfirmed@1", "data.total.amount")
    path.write_text(path.read_text().replace('"metadata.occurredAt"', '"metadata.taskToken"'))
    load_manifest(path, catalog)  # every version's metadata may carry a task token
    path.write_text(path.read_text().replace('"metadata.taskToken"', '"data.orderId"'))
    assert any(
        "'data.orderId', which StockLevelLow@1 does not have" in p for p in refused(path, catalog)
    )


def test_a_version_the_catalog_lacks_is_refused_at_load(tmp_path: Path, catalog: Catalog) -> None:
    path = write_stream_manifest(tmp_path, "OrderConfirmed@9", "data.total.amount")
    assert refused(path, catalog) == [
        (
            f"{path}#/stream_consumers/0/reads/1/event: stream consumer 'tally' reads fields of "
            "OrderConfirmed@9: no such contract version"
        )
    ]


def test_field_readers_lists_stream_consumers_rules_and_topic_subscriptions(
    catalog: Catalog,
) -> None:
    manifests = [load_manifest(p) for p in discover_manifests(PROJECT_ROOT)]
    readers = field_readers(manifests, catalog)
    confirmed = readers[EventKey("ordermesh.order", "OrderConfirmed", 1)]
    assert [str(c) for c in confirmed["data.total.amount"]] == ["analytics/kpis"]
    for key in catalog.contracts:  # the analytics stream carries every event
        assert "analytics/kpis" in [str(c) for c in readers[key]["metadata.occurredAt"]]
    placed = readers[EventKey("ordermesh.order", "OrderPlaced", 2)]
    assert [str(c) for c in placed["data.total.currency"]] == [
        "analytics/kpis",
        "platform/saga-start",
    ]
    declined = readers[EventKey("ordermesh.payment", "PaymentDeclined", 1)]
    assert "platform/saga-replies" in [str(c) for c in declined["metadata.taskToken"]]
    alert = readers[EventKey("ordermesh.analytics", "AnomalyDetected", 1)]
    assert [str(c) for c in alert["data.window.start"]] == ["platform/ordermesh-alerts/log"]
