"""Stream consumers in a service's stack: given a manifest with two ``[[stream_consumers]]`` (one
with every setting, one with the defaults), when synthesized, then each is a function whose
Kinesis event source mapping reads the platform's stream, found by name, with the manifest's
settings, decrypts with the key the platform's parameter names, sends discarded batches to an
alarmed queue, and raises an alarm when it falls behind; and the stack passes the assertions
every service stack passes."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from ordermesh_cdk.service import ServiceProps, ServiceStack
from ordermesh_cdk.streams import stream_key_parameter
from ordermesh_cdk.testing import ServiceStackTests, resources
from ordermesh_contracts.catalog import load_catalog
from ordermesh_contracts.manifest import ServiceManifest

MANIFEST = ServiceManifest.model_validate(
    {
        "service": {"name": "tally", "source": "ordermesh.tally"},
        "stream_consumers": [
            {
                "name": "count",
                "stream": "ordermesh-analytics",
                "handler": "tally.stream:handler",
                "batch_size": 500,
                "batching_window": 2,
                "starting_position": "LATEST",
                "bisect_batch_on_function_error": True,
                "max_retry_attempts": 5,
                "report_batch_item_failures": True,
                "on_failure": "tally-count-failed",
                "timeout": 45,
                "memory": 1024,
            },
            {
                "name": "audit",
                "stream": "ordermesh-audit",
                "handler": "tally.audit:handler",
                "bisect_batch_on_function_error": False,
                "report_batch_item_failures": False,
            },
        ],
    }
)


class TestStreamConsumerStack(ServiceStackTests):
    @pytest.fixture(scope="class")
    @classmethod
    def stack(cls) -> ServiceStack:
        props = ServiceProps(
            manifest=MANIFEST,
            catalog=load_catalog(),
            code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
        )
        env = cdk.Environment(account="111122223333", region="eu-west-1")
        return ServiceStack(cdk.App(), "Tally", props=props, env=env)

    @staticmethod
    def _mapping(raw: dict[str, Any], stream: str) -> dict[str, Any]:
        (mapping,) = [
            m
            for m in resources(raw, "AWS::Lambda::EventSourceMapping").values()
            if json.dumps(m["EventSourceArn"]).endswith(f':stream/{stream}"]]}}')
        ]
        return mapping

    def test_the_stream_is_found_by_name_in_the_stack_s_account_and_region(
        self, raw: dict[str, Any]
    ) -> None:
        mapping = self._mapping(raw, "ordermesh-analytics")
        assert mapping["EventSourceArn"] == {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":kinesis:eu-west-1:111122223333:stream/ordermesh-analytics",
                ],
            ]
        }

    def test_the_defaults_are_the_manifest_s_defaults(self, raw: dict[str, Any]) -> None:
        mapping = self._mapping(raw, "ordermesh-audit")
        assert mapping["BatchSize"] == 100
        assert mapping["StartingPosition"] == "TRIM_HORIZON"
        assert "MaximumBatchingWindowInSeconds" not in mapping
        assert mapping["BisectBatchOnFunctionError"] is False
        assert mapping["MaximumRetryAttempts"] == 3
        assert "FunctionResponseTypes" not in mapping

    def test_discarded_batches_go_to_the_named_queue_or_the_runtime_s_default(
        self, raw: dict[str, Any]
    ) -> None:
        queues = resources(raw, "AWS::SQS::Queue")
        named = [q for q in queues if q.startswith("TallyCountFailedDeadLetters")]
        default = [q for q in queues if q.startswith("TallyAuditDlqDeadLetters")]
        assert len(named) == len(default) == 1
        for stream, queue in (("ordermesh-analytics", named), ("ordermesh-audit", default)):
            destination = self._mapping(raw, stream)["DestinationConfig"]["OnFailure"]
            assert destination["Destination"] == {"Fn::GetAtt": [queue[0], "Arn"]}
        sends = [
            s
            for policy in resources(raw, "AWS::IAM::Policy").values()
            for s in policy["PolicyDocument"]["Statement"]
            if "sqs:SendMessage" in s["Action"]
        ]
        assert sorted(s["Resource"]["Fn::GetAtt"][0] for s in sends) == sorted(named + default)

    def test_each_consumer_decrypts_with_its_own_stream_s_key(self, raw: dict[str, Any]) -> None:
        parameters = {p["Default"]: logical_id for logical_id, p in raw["Parameters"].items()}
        for stream in ("ordermesh-analytics", "ordermesh-audit"):
            assert parameters[stream_key_parameter(stream)]
        decrypts = [
            (s["Resource"], json.dumps(policy["Roles"]))
            for policy in resources(raw, "AWS::IAM::Policy").values()
            for s in policy["PolicyDocument"]["Statement"]
            if "kms:Decrypt" in s["Action"]
        ]
        assert sorted(json.dumps(r) for r, _ in decrypts) == sorted(
            json.dumps({"Ref": parameters[stream_key_parameter(s)]})
            for s in ("ordermesh-analytics", "ordermesh-audit")
        )
        roles = [r for _, r in decrypts]
        assert roles[0] != roles[1]  # each consumer's role, its own stream's key

    def test_an_iterator_age_alarm_watches_each_consumer_for_three_minutes(
        self, raw: dict[str, Any]
    ) -> None:
        alarms = [
            a
            for a in resources(raw, "AWS::CloudWatch::Alarm").values()
            if a["MetricName"] == "IteratorAge"
        ]
        assert len(alarms) == 2
        for alarm in alarms:
            assert alarm["Namespace"] == "AWS/Lambda"
            assert alarm["Statistic"] == "Maximum"
            assert alarm["Period"] == 60
            assert alarm["EvaluationPeriods"] == 3
            assert alarm["Threshold"] == 60_000
