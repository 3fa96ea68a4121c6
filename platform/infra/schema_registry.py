"""An EventBridge schema registry holding every contract version, references inlined."""

from __future__ import annotations

import json

from aws_cdk import aws_eventschemas as eventschemas
from constructs import Construct
from ordermesh_contracts.catalog import Catalog, EventKey

SCHEMA_TYPE = "JSONSchemaDraft4"


def schema_name(key: EventKey) -> str:
    """Registry name of one contract version: ``ordermesh.order@OrderPlaced-v2``."""
    return f"{key.source}@{key.detail_type}-v{key.version}"


class EventSchemaRegistry(Construct):
    """``AWS::EventSchemas::Registry`` plus one ``AWS::EventSchemas::Schema`` per event version."""

    def __init__(
        self, scope: Construct, construct_id: str, *, registry_name: str, catalog: Catalog
    ) -> None:
        super().__init__(scope, construct_id)
        self.registry = eventschemas.CfnRegistry(
            self,
            "Registry",
            registry_name=registry_name,
            description="ordermesh event contracts: one schema per event major version",
        )
        self.schemas: dict[EventKey, eventschemas.CfnSchema] = {}
        for key, contract in sorted(catalog.contracts.items()):
            schema = eventschemas.CfnSchema(
                self,
                f"{key.detail_type}V{key.version}",
                registry_name=self.registry.attr_registry_name,
                schema_name=schema_name(key),
                type=SCHEMA_TYPE,
                content=json.dumps(contract.bundled, sort_keys=True),
                description=str(contract.schema.get("description", ""))[:256],
            )
            self.schemas[key] = schema
