from __future__ import annotations

import json
from typing import Any

import pytest
from ordermesh_platform.runtime.transform import (
    InputTransformer,
    TargetInput,
    TransformError,
    parse_path,
)

EVENT: dict[str, Any] = {
    "id": "e-1",
    "time": "2026-01-01T00:00:00Z",
    "source": "ordermesh.order",
    "detail": {
        "data": {
            "orderId": "o-1",
            "total": {"amount": "12.50", "currency": "EUR"},
            "lines": [{"sku": "A"}],
        },
        "note": 'said "hi"',
    },
}


def _render(target_input: TargetInput) -> str:
    return target_input.render(EVENT, rule_name="r", rule_arn="arn:r", event_json=json.dumps(EVENT))


def test_paths() -> None:
    assert parse_path("$") == ()
    assert parse_path("$.detail.data.lines[0].sku") == ("detail", "data", "lines", 0, "sku")
    assert parse_path("$['detail-type']") == ("detail-type",)
    with pytest.raises(TransformError, match="must start with"):
        parse_path("detail")
    with pytest.raises(TransformError, match="not valid at character"):
        parse_path("$.a..b")


def test_default_is_the_whole_event_and_input_path_selects_part() -> None:
    assert json.loads(_render(TargetInput())) == EVENT
    assert json.loads(_render(TargetInput(input_path="$.detail.data.total"))) == {
        "amount": "12.50",
        "currency": "EUR",
    }
    assert _render(TargetInput(input_path="$.detail.nothing")) == "null"
    assert _render(TargetInput(input='{"fixed": true}')) == '{"fixed": true}'


def test_json_template_quotes_values_outside_strings_and_inlines_them_inside() -> None:
    transformer = InputTransformer(
        input_paths_map={
            "order": "$.detail.data.orderId",
            "total": "$.detail.data.total",
            "note": "$.detail.note",
        },
        input_template='{"id": <order>, "label": "order <order> (<note>)", "total": <total>, '
        '"rule": "<aws.events.rule-name>", "missing": <absent>}'.replace("<absent>", "null"),
    )
    rendered = json.loads(_render(TargetInput(input_transformer=transformer)))
    assert rendered == {
        "id": "o-1",
        "label": 'order o-1 (said "hi")',
        "total": {"amount": "12.50", "currency": "EUR"},
        "rule": "r",
        "missing": None,
    }


def test_string_template_and_whole_event_variable() -> None:
    text = _render(
        TargetInput(
            input_transformer=InputTransformer(
                input_paths_map={"order": "$.detail.data.orderId"},
                input_template='"Order <order> placed"',
            )
        )
    )
    assert json.loads(text) == "Order o-1 placed"
    whole = _render(
        TargetInput(input_transformer=InputTransformer(input_template='{"e": <aws.events.event>}'))
    )
    assert json.loads(whole) == {"e": EVENT}


def test_invalid_transformers_are_rejected() -> None:
    with pytest.raises(TransformError, match="does not define"):
        InputTransformer(input_template="<nope>")
    with pytest.raises(TransformError, match="reserved prefix"):
        InputTransformer(input_paths_map={"aws.events.x": "$.id"}, input_template="{}")
    with pytest.raises(TransformError, match="only one of"):
        TargetInput(input="{}", input_path="$")
    with pytest.raises(TransformError, match="not valid JSON"):
        TargetInput(input="{nope")
