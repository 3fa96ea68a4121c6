"""The three generated models of one contract version, as the generated index lists them."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class ContractModels:
    """``event``: the EventBridge event; ``detail``: ``{metadata, data}``; ``data``: the payload."""

    source: str
    detail_type: str
    version: int
    event: type[BaseModel]
    detail: type[BaseModel]
    data: type[BaseModel]

    @property
    def ref(self) -> str:
        return f"{self.detail_type}@{self.version}"
