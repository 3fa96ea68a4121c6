"""Alarms every unit raises, sent to the platform's alarm topic (``ALARM_TOPIC_NAME``, found by
name, so a service deploys without the platform's stack): a dead-letter queue holds a message,
a function failed, an HTTP API answered 5xx, a stream consumer fell behind."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from ordermesh_contracts.resources import ALARM_TOPIC_NAME


def alarm_topic(scope: Construct) -> sns.ITopic:
    """The platform's alarm topic in this stack's account and region."""
    arn = Stack.of(scope).format_arn(service="sns", resource=ALARM_TOPIC_NAME)
    return sns.Topic.from_topic_arn(scope, "AlarmTopic", arn)


class Alarms(Construct):
    """Adds alarms under one construct; each notifies ``topic`` when it fires and clears."""

    def __init__(self, scope: Construct, construct_id: str, *, topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        self.topic = topic
        self.alarms: list[cloudwatch.Alarm] = []

    def at_least(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        description: str,
        *,
        threshold: float = 1,
        evaluation_periods: int = 1,
    ) -> cloudwatch.Alarm:
        """An alarm when ``metric`` reaches ``threshold`` (missing data is not breaching)."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            alarm_description=description,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
        return alarm

    def dead_letters(self, construct_id: str, queue: sqs.IQueue, what: str) -> cloudwatch.Alarm:
        metric = queue.metric_approximate_number_of_messages_visible(
            period=Duration.minutes(1), statistic="Maximum"
        )
        return self.at_least(construct_id, metric, f"{what}: a message is in the dead-letter queue")

    def function_errors(
        self, construct_id: str, function: lambda_.IFunction, what: str
    ) -> cloudwatch.Alarm:
        metric = function.metric_errors(period=Duration.minutes(5), statistic="Sum")
        return self.at_least(construct_id, metric, f"{what}: the function failed")

    def server_errors(self, construct_id: str, api: apigw.HttpApi, what: str) -> cloudwatch.Alarm:
        metric = api.metric_server_error(period=Duration.minutes(5), statistic="Sum")
        return self.at_least(construct_id, metric, f"{what}: the API answered 5xx")

    def iterator_age(
        self,
        construct_id: str,
        function: lambda_.IFunction,
        what: str,
        *,
        limit_ms: int,
        evaluation_periods: int,
    ) -> cloudwatch.Alarm:
        """The age of the last record a stream consumer's mapping read (Lambda's
        ``IteratorAge``) reached ``limit_ms`` in ``evaluation_periods`` minutes running."""
        metric = function.metric("IteratorAge", period=Duration.minutes(1), statistic="Maximum")
        return self.at_least(
            construct_id,
            metric,
            f"{what}: the consumer is more than {limit_ms // 1000} s behind its stream",
            threshold=limit_ms,
            evaluation_periods=evaluation_periods,
        )
