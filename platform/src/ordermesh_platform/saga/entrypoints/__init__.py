"""Lambda handlers of the order saga: parse, call one use case, return."""

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "order-saga"
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace="ordermesh", service=SERVICE)
CORRELATION_ID = "detail.metadata.correlationId"
