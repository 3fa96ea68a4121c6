"""Lambda handlers of the analytics service: parse, call one use case, return."""

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "analytics"
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace="ordermesh", service=SERVICE)
