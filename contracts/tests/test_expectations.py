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
    assert EventKey("ordermesh.order", "OrderPlaced", 1) not in readers  # nobody reads v1
