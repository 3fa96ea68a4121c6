"""Consumer side: turn a delivered event into the generated model of its contract version.

``parse(event)`` picks the model by source, detail-type and ``detail.metadata.eventVersion``.
The envelopes plug the same dispatch into powertools' parser, for EventBridge events delivered
directly to a function and for EventBridge events inside SQS messages::

    parse(event=event, model=OrderPlacedDetailV1 | OrderPlacedDetailV2,
          envelope=ContractEventBridgeEnvelope)
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from aws_lambda_powertools.utilities.parser import BaseEnvelope
from aws_lambda_powertools.utilities.parser.models import SqsModel
from pydantic import BaseModel

from ordermesh_contracts.errors import ContractViolation
from ordermesh_contracts.validation import ContractValidator, default_validator


def parse(
    event: Mapping[str, Any] | str | bytes, validator: ContractValidator | None = None
) -> BaseModel:
    """The whole event as its contract's model (``.detail.metadata``, ``.detail.data``)."""
    if isinstance(event, str | bytes):
        event = json.loads(event)
    return (validator or default_validator()).validate(event)


def parse_detail(
    event: Mapping[str, Any] | str | bytes, validator: ContractValidator | None = None
) -> BaseModel:
    """Only ``detail`` (``metadata`` and ``data``) of an event, as its contract's detail model."""
    detail: BaseModel = parse(event, validator).detail  # type: ignore[attr-defined]
    return detail


def _accepts(model: Any, value: BaseModel) -> bool:
    """Whether ``value`` is one of the types ``model`` names (a class, or a union of classes)."""
    if get_origin(model) in (Union, types.UnionType):
        return any(_accepts(m, value) for m in get_args(model))
    return isinstance(model, type) and isinstance(value, model)


def _expect(model: Any, value: BaseModel) -> BaseModel:
    if not _accepts(model, value):
        ref = f"{value.__class__.__module__}.{value.__class__.__qualname__}"
        raise ContractViolation(
            ref, "", f"the handler does not accept this contract (expects {model})"
        )
    return value


class ContractEventBridgeEnvelope(BaseEnvelope):
    """An EventBridge event → its contract version's detail model (``model`` must accept it)."""

    def parse(self, data: dict[str, Any] | Any | None, model: Any) -> Any:
        if data is None:
            return None
        return _expect(model, parse_detail(data))


class ContractSqsEnvelope(BaseEnvelope):
    """An SQS batch whose bodies are EventBridge events → their detail models, in record order."""

    def parse(self, data: dict[str, Any] | Any | None, model: Any) -> Any:
        if data is None:
            return None
        details = []
        for i, record in enumerate(SqsModel.model_validate(data).Records):
            if not isinstance(record.body, str):
                raise ContractViolation("event", f"/Records/{i}/body", "not a JSON string")
            details.append(_expect(model, parse_detail(record.body)))
        return details
