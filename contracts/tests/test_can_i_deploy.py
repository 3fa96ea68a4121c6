"""``ordermesh contracts can-i-deploy UNIT`` on the repository and on a copy broken on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest
from ordermesh_contracts.cli import app
from typer.testing import CliRunner

from .conftest import PROJECT_ROOT, EditJson

UNITS = ("services/order", "services/inventory", "services/payment", "services/analytics")


def can_i_deploy(root: Path, unit: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["can-i-deploy", unit, "--root", str(root)])
    return result.exit_code, result.output


def add_to_manifest(path: Path, toml: str) -> None:
    path.write_text(path.read_text() + "\n" + toml)


def remove_from_manifest(path: Path, toml: str) -> None:
    text = path.read_text()
    assert toml in text
    path.write_text(text.replace(toml, ""))


@pytest.mark.parametrize("unit", [*UNITS, "platform"])
def test_every_unit_of_the_repository_can_deploy(unit: str) -> None:
    code, output = can_i_deploy(PROJECT_ROOT, unit)
    assert code == 0, output
    assert f"✓ {Path(unit).name} can deploy" in output


def test_a_unit_is_named_by_folder_manifest_or_name(project: Path) -> None:
    for spec in (
        "order",
        "services/order",
        "services/order/service.toml",
        str(project / "services/order"),
    ):
        code, output = can_i_deploy(project, spec)
        assert (code, "order can deploy: 4 publication(s) and 4 subscription(s)" in output) == (
            0,
            True,
        ), output


def test_an_unknown_unit_is_a_usage_error_listing_the_units(project: Path) -> None:
    code, output = can_i_deploy(project, "shipping")
    assert code == 2
    assert "analytics, inventory, order, payment, platform" in output


def test_a_published_schema_changed_since_its_release_stops_the_publisher_and_its_subscribers(
    project: Path, edit_json: EditJson
) -> None:
    # Given a compatible edit to PaymentAuthorized@1 that is not released yet
    path = project / "contracts/schemas/payment/PaymentAuthorized/v1.json"
    edit_json(
        path,
        lambda s: s["properties"]["detail"]["properties"]["data"]["properties"].update(
            cardBrand={"type": "string"}
        ),
    )
    # When payment (its publisher) and order (a subscriber) ask; Then both are refused
    code, output = can_i_deploy(project, "services/payment")
    assert code == 1
    assert (
        "services/payment/service.toml#/publishes/0/event: PaymentAuthorized@1: "
        "contracts/schemas/payment/PaymentAuthorized/v1.json has changed since "
        "ordermesh.payment/PaymentAuthorized@1 r1 was released" in output
    )
    assert "payment cannot deploy: 1 problem(s)" in output
    code, output = can_i_deploy(project, "services/order")
    assert code == 1
    assert "services/order/service.toml#/subscriptions/3/event: PaymentAuthorized@1" in output
    # And inventory, which does not use the event, still can
    assert can_i_deploy(project, "services/inventory")[0] == 0


def test_an_unreleased_version_stops_its_publisher(project: Path, edit_json: EditJson) -> None:
    edit_json(
        project / "contracts/registry.lock.json",
        lambda lock: lock["events"].pop("ordermesh.inventory/StockLevelLow@1"),
    )
    code, output = can_i_deploy(project, "inventory")
    assert code == 1
    assert (
        "services/inventory/service.toml#/publishes/3/event: StockLevelLow@1: "
        "ordermesh.inventory/StockLevelLow@1 is not released in contracts/registry.lock.json"
        in output
    )


def test_a_subscription_nobody_publishes_stops_the_subscriber(project: Path) -> None:
    # Given the platform no longer publishes AuthorizePayment@1
    remove_from_manifest(
        project / "platform/platform.toml", '[[publishes]]\nevent = "AuthorizePayment@1"\n'
    )
    # When payment, which subscribes to it, asks; Then it is refused, naming the subscription
    code, output = can_i_deploy(project, "payment")
    assert code == 1
    assert (
        "services/payment/service.toml#/subscriptions/0/event: AuthorizePayment@1: "
        "no manifest publishes ordermesh.saga/AuthorizePayment@1" in output
    )
    # And so is the platform, whose change leaves payment's subscription without a publisher
    code, output = can_i_deploy(project, "platform")
    assert code == 1
    assert "AuthorizePayment@1 (payment subscribes): no manifest publishes" in output


def test_a_publisher_from_another_source_does_not_count(project: Path) -> None:
    remove_from_manifest(
        project / "platform/platform.toml", '[[publishes]]\nevent = "RefundPayment@1"\n'
    )
    add_to_manifest(
        project / "services/order/service.toml",
        '[[publishes]]\nevent = "ordermesh.saga/RefundPayment@1"\n',
    )
    code, output = can_i_deploy(project, "payment")
    assert code == 1
    assert "no manifest publishes ordermesh.saga/RefundPayment@1; order (ordermesh.order)" in output
    code, output = can_i_deploy(project, "order")
    assert code == 1
    assert (
        "services/order/service.toml#/publishes/4/event: ordermesh.saga/RefundPayment@1: "
        "the event's source is ordermesh.saga" in output
    )


def test_an_unknown_version_stops_the_unit(project: Path) -> None:
    add_to_manifest(
        project / "services/payment/service.toml",
        '[[subscriptions]]\nname = "authorize-v7"\nevent = "AuthorizePayment@7"\n'
        'target = { kind = "queue", handler = "payment_service.entrypoints.commands:handler" }\n',
    )
    add_to_manifest(
        project / "services/analytics/service.toml", '[[publishes]]\nevent = "AnomalyDetected@2"\n'
    )
    code, output = can_i_deploy(project, "payment")
    assert code == 1
    assert (
        "services/payment/service.toml#/subscriptions/2/event: AuthorizePayment@7: "
        "no such contract version" in output
    )
    code, output = can_i_deploy(project, "analytics")
    assert code == 1
    assert (
        "services/analytics/service.toml#/publishes/1/event: AnomalyDetected@2: "
        "no such contract version from ordermesh.analytics" in output
    )


def test_a_malformed_manifest_is_reported_not_raised(project: Path) -> None:
    manifest = project / "services/order/service.toml"
    manifest.write_text(manifest.read_text().replace('source = "ordermesh.order"', 'source = "x"'))
    code, output = can_i_deploy(project, "order")
    assert code == 1
    assert "services/order/service.toml#/service/source" in output
