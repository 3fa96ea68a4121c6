"""The catalog finds every contract by its place; bundling makes schemas self-contained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ordermesh_contracts.bundle import bundle_schema, fingerprint
from ordermesh_contracts.catalog import Catalog, EventKey, load_catalog
from ordermesh_contracts.errors import ContractError

EXPECTED = {
    "ordermesh.order": {"OrderPlaced": [1, 2], "OrderConfirmed": [1], "OrderCancelled": [1]},
    "ordermesh.inventory": {
        "InventoryReserved": [1],
        "InventoryReservationRejected": [1],
        "InventoryReleased": [1],
        "StockLevelLow": [1],
    },
    "ordermesh.payment": {"PaymentAuthorized": [1], "PaymentDeclined": [1], "PaymentRefunded": [1]},
    "ordermesh.saga": {
        "ReserveInventory": [1],
        "AuthorizePayment": [1],
        "ReleaseInventory": [1],
        "RefundPayment": [1],
        "OrderSagaSucceeded": [1],
        "OrderSagaFailed": [1],
    },
    "ordermesh.analytics": {"AnomalyDetected": [1]},
}


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_event_of_the_system_has_its_contract_versions(catalog: Catalog) -> None:
    found: dict[str, dict[str, list[int]]] = {}
    for key in catalog.contracts:
        found.setdefault(key.source, {}).setdefault(key.detail_type, []).append(key.version)
    assert {s: {n: sorted(v) for n, v in e.items()} for s, e in found.items()} == EXPECTED


def test_bundled_schemas_reference_only_their_own_definitions(catalog: Catalog) -> None:
    for contract in catalog.contracts.values():
        bundled = contract.bundled
        for ref in _refs(bundled):
            assert ref.startswith("#/definitions/"), (contract.key, ref)
            assert ref.removeprefix("#/definitions/") in bundled["definitions"], (contract.key, ref)


def test_bundling_pulls_in_definitions_referenced_by_definitions(catalog: Catalog) -> None:
    bundled = catalog.find("OrderPlaced@2").bundled
    # LineItem references Money, which references CurrencyCode: all three come along.
    assert {"LineItem", "Money", "CurrencyCode", "Sku"} <= set(bundled["definitions"])
    assert bundled["definitions"]["Money"]["properties"]["currency"] == {
        "$ref": "#/definitions/CurrencyCode"
    }


def test_fingerprint_ignores_key_order_but_not_content() -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})


def test_a_reference_to_a_missing_definition_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "common.json").write_text(json.dumps({"definitions": {"A": {"type": "string"}}}))
    schema = {"properties": {"x": {"$ref": "common.json#/definitions/Nope"}}}
    with pytest.raises(ContractError, match="has no definition 'Nope'"):
        bundle_schema(schema, tmp_path / "v1.json")


def test_two_definitions_with_one_name_from_different_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"definitions": {"X": {"type": "string"}}}))
    (tmp_path / "b.json").write_text(json.dumps({"definitions": {"X": {"type": "integer"}}}))
    schema = {
        "properties": {
            "a": {"$ref": "a.json#/definitions/X"},
            "b": {"$ref": "b.json#/definitions/X"},
        }
    }
    with pytest.raises(ContractError, match="already taken"):
        bundle_schema(schema, tmp_path / "v1.json")


def test_a_schema_whose_annotations_disagree_with_its_place_is_a_problem(project: Path) -> None:
    path = project / "contracts/schemas/order/OrderConfirmed/v1.json"
    schema = json.loads(path.read_text())
    schema["x-amazon-events-detail-type"] = "OrderConfirmd"
    path.write_text(json.dumps(schema))
    catalog = load_catalog(project / "contracts/schemas")
    assert [(p.pointer, "OrderConfirmd" in p.message) for p in catalog.problems] == [
        ("#/x-amazon-events-detail-type", True)
    ]


def test_find_accepts_name_at_version_and_source_prefixed_refs(catalog: Catalog) -> None:
    assert catalog.find("OrderPlaced@2").key == EventKey("ordermesh.order", "OrderPlaced", 2)
    assert catalog.find("ordermesh.saga/ReserveInventory@1").key.source == "ordermesh.saga"
    with pytest.raises(KeyError, match="OrderPlaced@3"):
        catalog.find("OrderPlaced@3")
