"""The IAM checks the stacks' tests share: they flag what they should and only that."""

from __future__ import annotations

from typing import Any

from ordermesh_cdk.assertions import put_events_sources, wildcard_problems


def _template(*statements: dict[str, Any]) -> dict[str, Any]:
    policy = {
        "Type": "AWS::IAM::Policy",
        "Properties": {"PolicyDocument": {"Statement": list(statements)}},
    }
    return {"Resources": {"Policy": policy}}


def test_wildcard_actions_and_any_resource_are_flagged_on_allow_statements() -> None:
    template = _template(
        {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:sqs:::q"},
        {"Effect": "Allow", "Action": ["sqs:*"], "Resource": "arn:aws:sqs:::q"},
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"},
    )
    assert len(wildcard_problems(template)) == 3


def test_deny_statements_and_x_ray_on_any_resource_pass() -> None:
    template = _template(
        {"Effect": "Deny", "Action": "sqs:*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:::table/t"},
    )
    assert wildcard_problems(template) == []


def test_put_events_sources_reads_the_source_condition() -> None:
    template = _template(
        {
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": "arn",
            "Condition": {"StringEquals": {"events:source": "ordermesh.order"}},
        },
        {"Effect": "Allow", "Action": ["events:PutEvents"], "Resource": "arn"},
    )
    assert put_events_sources(template) == [["ordermesh.order"], None]
