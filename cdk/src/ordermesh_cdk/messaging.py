"""Queues as the services use them: encrypted, TLS only, each with a dead-letter queue that keeps
a message for 14 days."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ordermesh_cdk.app import acknowledge

DLQ_RETENTION = Duration.days(14)


def dead_letter_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    """A queue where failed messages end; nothing drains it automatically (alarms watch it)."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=DLQ_RETENTION,
    )
    acknowledge(
        queue,
        {
            "AwsSolutions-SQS3": "this is a dead-letter queue: failed messages end here",
            "Serverless-SQSRedrivePolicy": "this is a dead-letter queue: nothing redrives it",
        },
    )
    return queue


class WorkQueue(Construct):
    """``queue`` with its ``dead_letter_queue`` after ``max_receive_count`` receives."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        visibility_timeout_seconds: int,
        max_receive_count: int,
        delay_seconds: int = 0,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = dead_letter_queue(self, "DeadLetters")
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(visibility_timeout_seconds),
            delivery_delay=Duration.seconds(delay_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=max_receive_count
            ),
        )
