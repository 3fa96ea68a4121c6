"""Validate events against their contracts: a compiled JSON Schema check, then the pydantic model.

The contract is chosen by the event's ``source``, ``detail-type`` and
``detail.metadata.eventVersion``. Schema validators are compiled once per contract (jsonschema-rs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs
from pydantic import BaseModel, ValidationError

from ordermesh_contracts.catalog import Catalog, EventContract, EventKey, load_catalog
from ordermesh_contracts.contract_models import ContractModels
from ordermesh_contracts.errors import ContractViolation

VERSION_POINTER = "/detail/metadata/eventVersion"


def pointer(path: list[str | int] | tuple[str | int, ...]) -> str:
    """RFC 6901 JSON pointer of a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


_Validator = jsonschema_rs.Draft4Validator


@dataclass(frozen=True)
class _Compiled:
    event: _Validator
    detail: _Validator


class ContractValidator:
    """Validates events of one catalog, with the generated models when they are given."""

    def __init__(
        self, catalog: Catalog, models: Mapping[tuple[str, str, int], ContractModels] | None = None
    ) -> None:
        self.catalog = catalog.raise_for_problems()
        self.models = dict(models or {})
        self._compiled: dict[EventKey, _Compiled] = {}
        # (source, detail-type, version) an event claims -> its contract and event validator
        self._claims: dict[tuple[str, str, int], tuple[EventContract, _Validator]] = {}

    def contract_for(self, event: Any) -> EventContract:
        """The contract an event claims, or a ContractViolation saying why there is none."""
        if not isinstance(event, Mapping):
            raise ContractViolation("event", "", "an event must be a JSON object")
        source, detail_type = event.get("source"), event.get("detail-type")
        for name, value in (("source", source), ("detail-type", detail_type)):
            if not isinstance(value, str):
                raise ContractViolation("event", f"/{name}", "missing or not a string")
        return self._lookup(str(source), str(detail_type), _version(event.get("detail")))

    def violations(self, event: Any) -> list[ContractViolation]:
        """Every schema violation of ``event`` (empty when it is valid); no model is built."""
        claim = _claim(event)
        found = self._claims.get(claim) if claim is not None else None
        if found is None:
            try:
                contract = self.contract_for(event)
            except ContractViolation as exc:
                return [exc]
            found = (contract, self._compile(contract).event)
            if claim is not None:
                self._claims[claim] = found
        contract, validator = found
        if validator.is_valid(event):
            return []
        return [_violation(contract, e, "") for e in validator.iter_errors(event)]

    def validate(self, event: Any) -> BaseModel:
        """The event as its generated model; raises ContractViolation (the first, with ``.all``)."""
        contract = self.contract_for(event)
        self._check(contract, self._compile(contract).event, event, "")
        return self._model(contract, "event", event)

    def validate_detail(self, source: str, detail_type: str, detail: Any) -> BaseModel:
        """Validate only ``detail`` ({metadata, data}), as a producer does before PutEvents."""
        contract = self._lookup(source, detail_type, _version(detail))
        self._check(contract, self._compile(contract).detail, detail, "/detail")
        return self._model(contract, "detail", detail)

    def _lookup(self, source: str, detail_type: str, version: Any) -> EventContract:
        if type(version) is int and (found := self.catalog.get(source, detail_type, version)):
            return found
        versions = self.catalog.versions(source, detail_type)
        if not versions:
            known = ", ".join(f"{s}/{d}" for s, d in self.catalog.events())
            reason = f"no contract for {source}/{detail_type} (known: {known})"
            raise ContractViolation(detail_type, "/detail-type", reason)
        if type(version) is not int:
            reason = f"missing or not an integer: {version!r}"
            raise ContractViolation(detail_type, VERSION_POINTER, reason)
        contract = self.catalog.get(source, detail_type, version)
        if contract is None:
            reason = f"{detail_type} has no version {version} (known: {versions})"
            raise ContractViolation(f"{detail_type}@{version}", VERSION_POINTER, reason)
        return contract

    def _compile(self, contract: EventContract) -> _Compiled:
        compiled = self._compiled.get(contract.key)
        if compiled is None:
            schema = contract.bundled
            detail = {
                **schema["properties"]["detail"],
                "definitions": schema.get("definitions", {}),
            }
            compiled = _Compiled(_compile(schema), _compile(detail))
            self._compiled[contract.key] = compiled
        return compiled

    @staticmethod
    def _check(
        contract: EventContract,
        validator: jsonschema_rs.Draft4Validator,
        instance: Any,
        prefix: str,
    ) -> None:
        if validator.is_valid(instance):
            return
        found = [_violation(contract, e, prefix) for e in validator.iter_errors(instance)]
        found[0].all = found
        raise found[0]

    def _model(self, contract: EventContract, part: str, instance: Any) -> BaseModel:
        models = self.models.get(
            (contract.key.source, contract.key.detail_type, contract.key.version)
        )
        if models is None:
            raise ContractViolation(contract.key.ref, "", "no generated model: run codegen")
        model: type[BaseModel] = getattr(models, part)
        try:
            return model.model_validate(instance)
        except ValidationError as exc:
            error = exc.errors()[0]
            prefix = "/detail" if part == "detail" else ""
            raise ContractViolation(
                contract.key.ref, prefix + pointer(error["loc"]), error["msg"]
            ) from exc


def _claim(event: Any) -> tuple[str, str, int] | None:
    """The source, detail-type and version an event claims, if each has its type (the contract
    they name is then the same for every event that claims them), else None."""
    if event.__class__ is not dict:
        return None
    source, detail_type = event.get("source"), event.get("detail-type")
    version = _version(event.get("detail"))
    if source.__class__ is str and detail_type.__class__ is str and version.__class__ is int:
        return source, detail_type, version
    return None


def _version(detail: Any) -> Any:
    """``detail.metadata.eventVersion`` if the detail has one, else None."""
    metadata = detail.get("metadata") if isinstance(detail, Mapping) else None
    return metadata.get("eventVersion") if isinstance(metadata, Mapping) else None


def _compile(schema: dict[str, Any]) -> jsonschema_rs.Draft4Validator:
    return jsonschema_rs.Draft4Validator(schema, validate_formats=True)


def _violation(
    contract: EventContract, error: jsonschema_rs.ValidationError, prefix: str
) -> ContractViolation:
    return ContractViolation(contract.key.ref, prefix + pointer(error.instance_path), error.message)


@cache
def default_validator() -> ContractValidator:
    """The validator of the packaged contracts with the generated models (built once)."""
    from ordermesh_contracts.models.index import MODELS

    return ContractValidator(load_catalog(), MODELS)


def validate(event: Any) -> BaseModel:
    """Validate an EventBridge event against its contract; returns the generated model."""
    return default_validator().validate(event)
