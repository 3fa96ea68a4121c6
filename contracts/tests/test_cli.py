"""``ordermesh contracts ...`` end to end on a copy of the project: exit codes and messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from ordermesh_contracts.cli import app
from typer.testing import CliRunner

from .conftest import PROJECT_ROOT, EditJson

DATA = ("properties", "detail", "properties", "data")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def data_schema(schema: dict[str, Any]) -> dict[str, Any]:
    node = schema
    for key in DATA:
        node = node[key]
    return node


def test_the_repository_contracts_check_out() -> None:
    code, output = run("check", "--root", str(PROJECT_ROOT))
    assert (code, "contract versions check out" in output) == (0, True), output


def test_the_committed_models_are_current() -> None:
    code, output = run("codegen", "--check", "--root", str(PROJECT_ROOT))
    assert code == 0, output


def test_every_version_is_released_in_the_lock() -> None:
    code, output = run("list", "--root", str(PROJECT_ROOT))
    assert code == 0
    assert "│ no " not in output
    assert "changed since" not in output


def test_a_breaking_edit_to_a_released_schema_fails_naming_the_change(
    project: Path, edit_json: EditJson
) -> None:
    path = project / "contracts/schemas/order/OrderConfirmed/v1.json"
    edit_json(path, lambda s: data_schema(s)["required"].remove("paymentId"))
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert (
        "contracts/schemas/order/OrderConfirmed/v1.json#/properties/detail/properties/data/required"
        in output
    )
    assert "REQUIRED_PROPERTY_REMOVED" in output
    assert "OrderConfirmed@2" in output  # the advice: a breaking change is a new major version


def test_a_type_change_in_a_shared_definition_breaks_every_event_using_it(
    project: Path, edit_json: EditJson
) -> None:
    edit_json(
        project / "contracts/schemas/common.json",
        lambda s: s["definitions"]["Money"]["properties"]["amount"].update(
            type="number", pattern=None
        ),
    )
    code, output = run("check", "--root", str(project))
    assert code == 1
    for event in ("OrderPlaced/v2.json", "PaymentAuthorized/v1.json", "RefundPayment/v1.json"):
        assert event in output


def test_a_compatible_edit_passes_and_release_records_a_new_revision(
    project: Path, edit_json: EditJson
) -> None:
    path = project / "contracts/schemas/payment/PaymentAuthorized/v1.json"
    edit_json(path, lambda s: data_schema(s)["properties"].update(cardBrand={"type": "string"}))
    assert run("check", "--root", str(project))[0] == 0
    code, output = run("release", "--root", str(project))
    assert code == 0, output
    assert "ordermesh.payment/PaymentAuthorized@1 revision 2" in output
    lock = json.loads((project / "contracts/registry.lock.json").read_text())
    assert len(lock["events"]["ordermesh.payment/PaymentAuthorized@1"]["revisions"]) == 2
    assert (project / "contracts/released/payment/PaymentAuthorized/v1/r2.json").is_file()
    assert run("release", "--root", str(project))[1].startswith("nothing to release")


def test_release_refuses_an_incompatible_change(project: Path, edit_json: EditJson) -> None:
    path = project / "contracts/schemas/inventory/StockLevelLow/v1.json"
    edit_json(
        path,
        lambda s: data_schema(s)["properties"]["available"].update(type="string", minimum=None),
    )
    code, output = run("release", "StockLevelLow@1", "--root", str(project))
    assert code == 1
    assert "refused" in output
    assert "#/properties/detail/properties/data/properties/available" in output


def test_a_tampered_snapshot_is_reported(project: Path) -> None:
    snapshot = project / "contracts/released/order/OrderPlaced/v1/r1.json"
    snapshot.write_text(snapshot.read_text().replace('"minItems": 1', '"minItems": 2'))
    path = project / "contracts/schemas/order/OrderPlaced/v1.json"
    path.write_text(path.read_text().replace('"maxItems": 100', '"maxItems": 99'))
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "does not match the lock's fingerprint" in output


def test_an_invalid_example_is_reported_with_file_and_pointer(
    project: Path, edit_json: EditJson
) -> None:
    example = (
        project / "contracts/schemas/payment/PaymentDeclined/examples/v1/insufficient-funds.json"
    )
    edit_json(example, lambda e: e["detail"]["data"].update(declineCode="NOT_A_CODE"))
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "insufficient-funds.json#/detail/data/declineCode" in output


def test_a_later_draft_keyword_in_a_contract_is_reported(
    project: Path, edit_json: EditJson
) -> None:
    path = project / "contracts/schemas/order/OrderConfirmed/v1.json"
    edit_json(path, lambda s: data_schema(s).update(unevaluatedProperties=False))
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "properties/data/unevaluatedProperties" in output
    assert "unevaluatedProperties is a 2019-09 keyword" in output
    assert "would constrain nothing" in output


def test_each_version_needs_two_examples(project: Path) -> None:
    for path in (project / "contracts/schemas/inventory/StockLevelLow/examples/v1").glob("*.json"):
        path.unlink()
        break
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "StockLevelLow@1 needs at least 2 examples, has 1" in output


def test_versions_must_be_contiguous(project: Path) -> None:
    folder = project / "contracts/schemas/payment/PaymentRefunded"
    schema = json.loads((folder / "v1.json").read_text())
    schema["x-ordermesh-event-version"] = 3
    (folder / "v3.json").write_text(json.dumps(schema))
    shutil.copytree(folder / "examples/v1", folder / "examples/v3")
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "versions must be v1..vN with no gap, found ['v1', 'v3']" in output


def test_every_event_needs_a_producer(project: Path) -> None:
    manifest = project / "services/analytics/service.toml"
    manifest.write_text(
        manifest.read_text().replace('[[publishes]]\nevent = "AnomalyDetected@1"\n', "")
    )
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "AnomalyDetected@1 has no producer" in output


def test_subscriptions_and_publications_must_name_existing_versions(project: Path) -> None:
    manifest = project / "services/payment/service.toml"
    manifest.write_text(
        manifest.read_text()
        + '\n[[publishes]]\nevent = "PaymentCaptured@1"\n'
        + '\n[[subscriptions]]\nname = "authorize-v7"\n'
        + 'event = "ordermesh.saga/AuthorizePayment@7"\n'
        + 'target = { kind = "queue", handler = "payment_service.entrypoints.authorize:handler" }\n'
    )
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "services/payment/service.toml#/publishes/3/event: PaymentCaptured@1" in output
    assert (
        "services/payment/service.toml#/subscriptions/2/event: ordermesh.saga/AuthorizePayment@7"
        in output
    )


def test_a_malformed_manifest_names_the_field(project: Path) -> None:
    manifest = project / "services/order/service.toml"
    manifest.write_text(
        manifest.read_text().replace('source = "ordermesh.order"', 'source = "orders"')
    )
    code, output = run("check", "--root", str(project))
    assert code == 1
    assert "services/order/service.toml#/service/source" in output


def test_stale_models_are_reported_and_regenerated(project: Path, edit_json: EditJson) -> None:
    path = project / "contracts/schemas/analytics/AnomalyDetected/v1.json"
    edit_json(path, lambda s: data_schema(s)["properties"].update(runbook={"type": "string"}))
    code, output = run("codegen", "--check", "--root", str(project))
    assert code == 1
    assert "anomaly_detected_v1.py" in output
    assert run("codegen", "--root", str(project))[0] == 0
    generated = (
        project / "contracts/src/ordermesh_contracts/models/analytics/anomaly_detected_v1.py"
    ).read_text()
    assert "runbook: str | None = None" in generated
    assert run("codegen", "--check", "--root", str(project))[0] == 0


def test_diff_lists_the_breaking_changes_between_two_versions() -> None:
    code, output = run("diff", "OrderPlaced@1", "OrderPlaced@2", "--root", str(PROJECT_ROOT))
    assert code == 1
    assert "incompatible under FULL" in output
    assert "#/properties/detail/properties/data/properties/total" in output


def test_diff_of_a_version_with_its_released_revision_is_empty() -> None:
    code, output = run("diff", "OrderPlaced@2@r1", "OrderPlaced@2", "--root", str(PROJECT_ROOT))
    assert (code, ": 0 change(s)" in output) == (0, True), output


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--root", "/nonexistent/place"),
        ("check", "--bogus"),
        ("release", "NoSuchEvent@1", "--root", str(PROJECT_ROOT)),
        ("diff", "OrderPlaced@9", "OrderPlaced@2", "--root", str(PROJECT_ROOT)),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    assert run(*args)[0] == 2
