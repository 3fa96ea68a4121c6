"""In-process AWS clients over the runtime: boto3's method names and request shapes, no HTTP.

``InProcessClients(...)("events").put_events(Entries=[...])`` runs the same operation the wire
endpoint runs for ``X-Amz-Target: AWSEvents.PutEvents`` and returns the same JSON body. Errors
are raised as botocore's ``ClientError`` with the code and message AWS would send, so adapters
written for boto3 (and their error handling) work unchanged. Responses of the JSON services are
the wire's JSON: timestamps stay numbers where boto3 would parse them into datetimes.

SNS (``sns``, a query-protocol service) goes the way boto3 sends it: the arguments are checked
by botocore's validator (a missing or unknown one is botocore's ``ParamValidationError``, as
boto3 raises it before sending), flattened by its query serializer and read back by the model
(``runtime.awsquery.invoke``); the answer is the operation's result as boto3 parses it, without
``ResponseMetadata``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from botocore.exceptions import ClientError

from ordermesh_platform.runtime.awsjson import JsonService, WireError
from ordermesh_platform.runtime.awsquery import QueryService, invoke
from ordermesh_platform.shared.aws import AwsError

SERVICE_NAMES = ("events", "stepfunctions", "sns")
_WORD = re.compile(r"(?:^|_)([a-z])")
Run = Callable[[str, dict[str, Any]], Any]  # operation name, arguments -> result


def operation_name(method: str) -> str:
    """``send_task_success`` -> ``SendTaskSuccess``."""
    return _WORD.sub(lambda m: m.group(1).upper(), method)


def _run_json(service: JsonService[Any], operation: str, members: dict[str, Any]) -> Any:
    return service.operations[operation](service.target, members)


class InProcessClient:
    def __init__(self, service_name: str, service: JsonService[Any] | QueryService[Any]) -> None:
        self.service_name = service_name
        self._operations: Collection[str] = service.operations
        self._run: Run = (
            functools.partial(invoke, service)
            if isinstance(service, QueryService)
            else functools.partial(_run_json, service)
        )

    def __getattr__(self, method: str) -> Any:
        operation = operation_name(method)
        if method.startswith("_") or operation not in self._operations:
            message = f"the local runtime's {self.service_name} client has no {method}"
            raise AttributeError(message)

        def call(**kwargs: Any) -> dict[str, Any]:
            try:
                return self._run(operation, kwargs) or {}
            except (WireError, AwsError) as exc:
                raise ClientError(
                    {"Error": {"Code": exc.code, "Message": exc.message}}, operation
                ) from exc

        return call


class InProcessClients:
    """A client factory (``ordermesh_contracts.environment.ClientFactory``) for the services
    the runtime speaks: ``events``, ``stepfunctions`` and ``sns``."""

    def __init__(self, services: Mapping[str, JsonService[Any] | QueryService[Any]]) -> None:
        self._clients = {
            name: InProcessClient(name, service)
            for name, service in services.items()
            if name in SERVICE_NAMES
        }

    def __call__(self, service_name: str) -> Any:
        try:
            return self._clients[service_name]
        except KeyError:
            message = (
                f"the local runtime has no {service_name!r} API "
                f"(it has {', '.join(sorted(self._clients))})"
            )
            raise ValueError(message) from None
