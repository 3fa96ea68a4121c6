"""SNS topics from a manifest's ``[[topics]]``: encrypted with their own key (rotated), TLS only,
publishable by EventBridge rules; each subscription's filter policy and scope deploy as written
in the manifest (``AWS::SNS::Subscription`` takes the same JSON the local runtime checks and
runs), to a queue (``WorkQueue``, with SNS allowed to send to it) or a function (SNS allowed to
invoke it), each with a redrive policy to the topic's queue of undeliverable messages. The stack
that owns the queues' consumers and functions makes them: this module
makes the topic and the subscriptions."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from ordermesh_contracts.manifest import TopicSpec, TopicSubscriptionSpec
from ordermesh_contracts.resources import pascal

from ordermesh_cdk.messaging import dead_letter_queue

SNS_PRINCIPAL = "sns.amazonaws.com"


class ManifestTopic(Construct):
    """The topic ``spec.name`` and its key; subscriptions are added with ``subscribe_*``."""

    def __init__(self, scope: Construct, construct_id: str, *, spec: TopicSpec) -> None:
        super().__init__(scope, construct_id)
        self.spec = spec
        self.key = kms.Key(
            self,
            "Key",
            description=f"ordermesh: the {spec.name} topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # EventBridge rules publish to the encrypted topic.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=spec.name,
            display_name=spec.description or spec.name,
            master_key=self.key,
            enforce_ssl=True,
        )
        # Messages SNS could not deliver to a subscriber (after its retries) land here.
        self.undeliverable = dead_letter_queue(self, "Undeliverable")
        self._allow_topic(self.undeliverable)

    def _allow_topic(self, queue: sqs.IQueue) -> None:
        queue.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(SNS_PRINCIPAL)],
                actions=["sqs:SendMessage"],
                resources=[queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": self.topic.topic_arn}},
            )
        )

    def subscribe_queue(self, spec: TopicSubscriptionSpec, queue: sqs.IQueue) -> None:
        self._allow_topic(queue)
        self._subscription(spec, "sqs", queue.queue_arn)

    def subscribe_function(self, spec: TopicSubscriptionSpec, function: lambda_.IFunction) -> None:
        function.add_permission(
            pascal(spec.name) + "FromTopic",
            principal=iam.ServicePrincipal(SNS_PRINCIPAL),
            source_arn=self.topic.topic_arn,
        )
        self._subscription(spec, "lambda", function.function_arn)

    def _subscription(self, spec: TopicSubscriptionSpec, protocol: str, endpoint: str) -> None:
        sns.CfnSubscription(
            self,
            pascal(spec.name) + "Subscription",
            topic_arn=self.topic.topic_arn,
            protocol=protocol,
            endpoint=endpoint,
            raw_message_delivery=spec.raw_message_delivery or None,
            filter_policy=spec.filter_policy,
            filter_policy_scope=spec.filter_policy_scope if spec.filter_policy else None,
            redrive_policy={"deadLetterTargetArn": self.undeliverable.queue_arn},
        )
