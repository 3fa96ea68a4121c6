"""``ordermesh contracts check`` from the consumer's side, end to end on a copy of the project:
a producer change that removes or retypes a field a subscription ``reads`` fails, naming the
consumer, the event version and the field."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .conftest import EditJson
from .test_cli import data_schema, run

SUCCEEDED = "contracts/schemas/saga/OrderSagaSucceeded"
ORDER_MANIFEST = "services/order/service.toml"


def without(name: str) -> Callable[[dict[str, Any]], None]:
    """An edit of a schema that removes the required field ``name`` of its data."""

    def remove(schema: dict[str, Any]) -> None:
        data = data_schema(schema)
        data["required"].remove(name)
        del data["properties"][name]

    return remove


def test_removing_a_field_a_consumer_reads_fails_naming_the_consumer(
    project: Path, edit_json: EditJson
) -> None:
    # Given the order service reads data.reservationId of OrderSagaSucceeded@1
    # When the producer removes it in a new revision
    edit_json(project / f"{SUCCEEDED}/v1.json", without("reservationId"))
    code, output = run("check", "--root", str(project))
    # Then check fails at the schema, naming the consumer, the version and the field
    assert code == 1
    assert (
        f"{SUCCEEDED}/v1.json: OrderSagaSucceeded@1 as changed since r1 removes "
        "data.reservationId (detail.data has no field 'reservationId'), which "
        f"order/saga-succeeded reads ({ORDER_MANIFEST}#/subscriptions/0/reads/"
    ) in output


def test_retyping_a_field_a_consumer_reads_fails_naming_the_consumer(
    project: Path, edit_json: EditJson
) -> None:
    path = project / "contracts/schemas/saga/OrderSagaFailed/v1.json"
    edit_json(path, lambda s: data_schema(s)["properties"]["failedStep"].update(type="integer"))
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert (
        "OrderSagaFailed@1 as changed since r1 retypes data.failedStep from string to integer, "
        "which order/saga-failed reads"
    ) in output


def test_a_retype_inside_an_array_item_names_the_path_through_it(
    project: Path, edit_json: EditJson
) -> None:
    path = project / "contracts/schemas/saga/ReserveInventory/v1.json"
    edit_json(
        path,
        lambda s: data_schema(s)["properties"]["lines"].update(items={"type": "string"}),
    )
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "retypes data.lines[] from object to string, which inventory/reserve reads" in output


def test_a_new_major_version_dropping_a_field_a_consumer_reads_fails(project: Path) -> None:
    # Given a new, unreleased major version of OrderSagaSucceeded without paymentId
    folder = project / SUCCEEDED
    schema = json.loads((folder / "v1.json").read_text())
    schema["x-ordermesh-event-version"] = 2
    data = data_schema(schema)
    data["required"].remove("paymentId")
    del data["properties"]["paymentId"]
    (folder / "v2.json").write_text(json.dumps(schema))
    shutil.copytree(folder / "examples/v1", folder / "examples/v2")
    # When the contracts are checked
    code, output = run("check", "--root", str(project))
    # Then the consumers of v1 that read it are named
    assert code == 1
    assert (
        f"{SUCCEEDED}/v2.json: OrderSagaSucceeded@2 (a new major version) removes "
        "data.paymentId (detail.data has no field 'paymentId'), which order/saga-succeeded reads"
    ) in output


def test_a_compatible_revision_keeps_every_read_and_passes(
    project: Path, edit_json: EditJson
) -> None:
    path = project / f"{SUCCEEDED}/v1.json"
    edit_json(path, lambda s: data_schema(s)["properties"].update(note={"type": "string"}))
    code, output = run("check", "--root", str(project))
    assert code == 0, output


def test_a_path_the_subscribed_version_does_not_have_is_refused(project: Path) -> None:
    manifest = project / ORDER_MANIFEST
    text = manifest.read_text()
    manifest.write_text(text.replace('"data.paymentId"', '"data.paymentRef"', 1))
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert (
        f"{ORDER_MANIFEST}#/subscriptions/0/reads/2: subscription 'saga-succeeded' reads "
        "'data.paymentRef', which OrderSagaSucceeded@1 does not have: detail.data has no field "
        "'paymentRef'"
    ) in output


def test_making_a_field_a_consumer_reads_optional_fails(project: Path, edit_json: EditJson) -> None:
    path = project / f"{SUCCEEDED}/v1.json"
    edit_json(path, lambda s: data_schema(s)["required"].remove("paymentId"))
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "OrderSagaSucceeded@1 as changed since r1 makes data.paymentId optional" in output


ANALYTICS_MANIFEST = "services/analytics/service.toml"


def test_removing_a_field_the_analytics_stream_consumer_reads_fails_naming_it(
    project: Path, edit_json: EditJson
) -> None:
    # Given the analytics stream consumer counts low stock by data.warehouse of StockLevelLow@1
    # When its producer removes the field in a new revision
    path = "contracts/schemas/inventory/StockLevelLow/v1.json"
    edit_json(project / path, without("warehouse"))
    code, output = run("check", "--root", str(project))
    # Then check fails at the schema, naming the stream consumer and where it declares the read
    assert code == 1
    assert (
        f"{path}: StockLevelLow@1 as changed since r1 removes data.warehouse (detail.data has no "
        f"field 'warehouse'), which analytics/kpis reads ({ANALYTICS_MANIFEST}#/stream_consumers/"
        "0/reads/8/fields/0)"
    ) in output


def test_retyping_a_field_the_platform_alert_log_reads_fails_naming_it(
    project: Path, edit_json: EditJson
) -> None:
    path = project / "contracts/schemas/analytics/AnomalyDetected/v1.json"
    edit_json(path, lambda s: data_schema(s)["properties"]["observed"].update(type="string"))
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert (
        "AnomalyDetected@1 as changed since r1 retypes data.observed from number to string, "
        "which platform/ordermesh-alerts/log reads (platform/platform.toml#/topics/0/"
        "subscriptions/1/reads/0/fields/5)"
    ) in output


def test_a_stream_consumer_reading_a_version_the_catalog_lacks_is_refused(project: Path) -> None:
    manifest = project / ANALYTICS_MANIFEST
    manifest.write_text(manifest.read_text().replace('"StockLevelLow@1"', '"StockLevelLow@7"'))
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert (
        f"{ANALYTICS_MANIFEST}#/stream_consumers/0/reads/8/event: stream consumer 'kpis' reads "
        "fields of StockLevelLow@7: no such contract version"
    ) in output
