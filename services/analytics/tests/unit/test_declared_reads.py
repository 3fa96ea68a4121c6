"""The stream consumer's manifest declares what its counting rules really read: each rule of
``reading.RULES`` runs on an example of its event version with the data wrapped in a recorder,
and the fields it touched are the fields the manifest declares for that version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from analytics_service.service_layer.reading import RULES
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.manifest import load_manifest
from ordermesh_contracts.models.index import MODELS
from pydantic import BaseModel

MANIFEST = Path(__file__).resolve().parents[2] / "service.toml"


class _Recorder:
    """A model whose attribute reads are recorded as field paths (``data.total.currency``)."""

    def __init__(self, model: BaseModel, path: str, seen: set[str]) -> None:
        self._model, self._path, self._seen = model, path, seen

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._model, name)
        field = type(self._model).model_fields.get(name)
        path = f"{self._path}.{field.alias or name if field else name}"
        if isinstance(value, BaseModel):
            return _Recorder(value, path, self._seen)
        if isinstance(value, list):
            return [_Recorder(v, f"{path}[]", self._seen) for v in value]
        self._seen.add(path)
        return value


def _declared() -> dict[str, set[str]]:
    (consumer,) = load_manifest(MANIFEST).stream_consumers
    return {r.event: set(r.fields) for r in consumer.reads}


@pytest.mark.parametrize(("detail_type", "version"), sorted(RULES))
def test_a_rule_reads_exactly_the_data_fields_the_manifest_declares(
    detail_type: str, version: int
) -> None:
    # Given an example of the event version and its rule
    ref = f"{detail_type}@{version}"
    contract = load_catalog().find(ref)
    models = MODELS[(contract.key.source, detail_type, version)]
    _, example = contract.load_examples()[0]
    detail = models.detail.model_validate(example["detail"])
    # When the rule counts it
    seen: set[str] = set()
    RULES[(detail_type, version)](_Recorder(detail.data, "data", seen))  # type: ignore[attr-defined]
    # Then it read what the manifest says it reads of that version, and nothing else
    assert seen == _declared().get(ref, set())


def test_every_version_declared_has_a_rule_or_is_read_of_every_event() -> None:
    rules = {f"{name}@{version}" for name, version in RULES}
    assert set(_declared()) - rules == {"*"}
