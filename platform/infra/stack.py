"""The platform stack: shared infrastructure every service stands on."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct
from ordermesh_contracts.catalog import Catalog, load_catalog

from infra.schema_registry import EventSchemaRegistry


class PlatformStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        registry_name: str = "ordermesh",
        catalog: Catalog | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.schema_registry = EventSchemaRegistry(
            self,
            "Schemas",
            registry_name=registry_name,
            catalog=(catalog or load_catalog()).raise_for_problems(),
        )
