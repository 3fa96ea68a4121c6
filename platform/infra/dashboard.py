"""The ordermesh dashboard: orders per minute, saga outcomes and step latency, dead-letter queue
depths, Lambda errors, duration and throttles, the analytics stream's iterator age and the
payment provider's circuit breaker; and the analytics service's business view from its metrics
(EMF, namespace ``ordermesh``, dimension ``service``): events counted, duplicates, late events,
unreadable records, windows finalised, and how far its stream consumers are behind.

Units deploy on their own, so the dashboard finds their resources by name: the saga's state
machine by its fixed name, queues and functions through CloudWatch ``SEARCH`` expressions over
the names CDK gives them (every stack's name starts with ``Ordermesh``, every dead-letter
queue's construct is ``DeadLetters``).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_kinesis as kinesis
from constructs import Construct

SAGA_STATE_MACHINE_NAME = "ordermesh-order-saga"
METRICS_NAMESPACE = "ordermesh"  # the services' powertools metrics
MINUTE = Duration.minutes(1)
WIDTH = 12
HEIGHT = 6


def saga_state_machine_arn(scope: Construct) -> str:
    return Stack.of(scope).format_arn(
        service="states",
        resource="stateMachine",
        resource_name=SAGA_STATE_MACHINE_NAME,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def _search(expression: str, statistic: str, label: str) -> cloudwatch.MathExpression:
    return cloudwatch.MathExpression(
        expression=f"SEARCH('{expression}', '{statistic}', 60)",
        using_metrics={},
        label=label,
        period=MINUTE,
    )


def _saga(scope: Construct, metric: str, statistic: str = "Sum") -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/States",
        metric_name=metric,
        dimensions_map={"StateMachineArn": saga_state_machine_arn(scope)},
        statistic=statistic,
        period=MINUTE,
        label=metric,
    )


def _service_metric(
    service: str, name: str, label: str, statistic: str = "Sum"
) -> cloudwatch.Metric:
    """A metric a service's handlers emit with powertools (``service`` is its dimension)."""
    return cloudwatch.Metric(
        namespace=METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={"service": service},
        statistic=statistic,
        period=MINUTE,
        label=label,
    )


def _analytics_widgets() -> list[cloudwatch.IWidget]:
    """The analytics stream consumer: what it counts, what it sets aside, what it finalises,
    and its lag behind the stream."""
    return [
        cloudwatch.GraphWidget(
            title="Analytics: events counted per minute",
            left=[
                _service_metric("analytics", "EventsCounted", "counted"),
                _service_metric("analytics", "DuplicateEvents", "duplicates (counted once)"),
            ],
            right=[
                _service_metric("analytics", "LateEvents", "late (left to the lake)"),
                _service_metric("analytics", "UnreadableRecords", "unreadable records"),
            ],
            width=8,
            height=HEIGHT,
        ),
        cloudwatch.GraphWidget(
            title="Analytics: KPI windows finalised per minute",
            left=[_service_metric("analytics", "WindowsFinalised", "windows final")],
            width=8,
            height=HEIGHT,
        ),
        cloudwatch.GraphWidget(
            title="Stream consumer lag (iterator age, ms)",
            left=[
                _search(
                    '{AWS/Lambda,FunctionName} MetricName="IteratorAge" Ordermesh',
                    "Maximum",
                    "",
                )
            ],
            width=8,
            height=HEIGHT,
        ),
    ]


def platform_dashboard(
    scope: Construct, construct_id: str, *, streams: Mapping[str, kinesis.IStream]
) -> cloudwatch.Dashboard:
    dashboard = cloudwatch.Dashboard(
        scope, construct_id, dashboard_name="ordermesh", default_interval=Duration.hours(3)
    )
    orders = _service_metric("order", "OrdersPlaced", "orders placed")
    breaker = _service_metric(
        "payment", "CircuitBreakerOpen", "provider breaker open (1) or closed (0)", "Maximum"
    )
    dashboard.add_widgets(
        cloudwatch.GraphWidget(
            title="Orders per minute", left=[orders], width=WIDTH, height=HEIGHT
        ),
        cloudwatch.GraphWidget(
            title="Saga outcomes",
            left=[
                _saga(scope, "ExecutionsStarted"),
                _saga(scope, "ExecutionsSucceeded"),
                _saga(scope, "ExecutionsFailed"),
                _saga(scope, "ExecutionsTimedOut"),
                _saga(scope, "ExecutionsAborted"),
            ],
            width=WIDTH,
            height=HEIGHT,
        ),
    )
    dashboard.add_widgets(
        cloudwatch.GraphWidget(
            title="Saga latency (execution, and each step's wait for its reply)",
            left=[
                _saga(scope, "ExecutionTime", "p50"),
                _saga(scope, "ExecutionTime", "p99"),
            ],
            right=[
                _search(
                    "{AWS/States,ServiceIntegrationResourceArn} "
                    'MetricName="ServiceIntegrationTime"',
                    "p99",
                    "step p99",
                )
            ],
            width=WIDTH,
            height=HEIGHT,
        ),
        cloudwatch.GraphWidget(
            title="Dead-letter queue depths",
            left=[
                _search(
                    '{AWS/SQS,QueueName} MetricName="ApproximateNumberOfMessagesVisible" '
                    "DeadLetters",
                    "Maximum",
                    "",
                )
            ],
            width=WIDTH,
            height=HEIGHT,
        ),
    )
    dashboard.add_widgets(
        *(
            cloudwatch.GraphWidget(
                title=f"Lambda {metric.lower()}",
                left=[
                    _search(
                        f'{{AWS/Lambda,FunctionName}} MetricName="{metric}" Ordermesh',
                        statistic,
                        "",
                    )
                ],
                width=8,
                height=HEIGHT,
            )
            for metric, statistic in (("Errors", "Sum"), ("Duration", "p99"), ("Throttles", "Sum"))
        )
    )
    dashboard.add_widgets(
        cloudwatch.GraphWidget(
            title="Analytics stream iterator age (ms)",
            left=[
                stream.metric_get_records_iterator_age_milliseconds(
                    period=MINUTE, statistic="Maximum", label=name
                )
                for name, stream in streams.items()
            ],
            width=WIDTH,
            height=HEIGHT,
        ),
        cloudwatch.GraphWidget(
            title="Payment provider circuit breaker",
            left=[breaker],
            left_y_axis=cloudwatch.YAxisProps(min=0, max=1),
            width=WIDTH,
            height=HEIGHT,
        ),
    )
    dashboard.add_widgets(*_analytics_widgets())
    return dashboard
