"""In-process AWS clients over the runtime: boto3's method names and request shapes, no HTTP.

``InProcessClients(...)("events").put_events(Entries=[...])`` runs the same operation the wire
endpoint runs for ``X-Amz-Target: AWSEvents.PutEvents`` and returns the same JSON body. Errors
are raised as botocore's ``ClientError`` with the code and message AWS would send, so adapters
written for boto3 (and their error handling) work unchanged. Responses are the wire's JSON:
timestamps stay numbers where boto3 would parse them into datetimes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from ordermesh_platform.runtime.awsjson import JsonService, WireError
from ordermesh_platform.shared.aws import AwsError

_SERVICE_NAMES = {"events": "AWSEvents", "stepfunctions": "AWSStepFunctions"}
_WORD = re.compile(r"(?:^|_)([a-z])")


def operation_name(method: str) -> str:
    """``send_task_success`` -> ``SendTaskSuccess``."""
    return _WORD.sub(lambda m: m.group(1).upper(), method)


class InProcessClient:
    def __init__(self, service_name: str, service: JsonService[Any]) -> None:
        self.service_name = service_name
        self._service = service

    def __getattr__(self, method: str) -> Any:
        operation = operation_name(method)
        handler = self._service.operations.get(operation)
        if method.startswith("_") or handler is None:
            message = f"the local runtime's {self.service_name} client has no {method}"
            raise AttributeError(message)

        def call(**kwargs: Any) -> dict[str, Any]:
            try:
                return handler(self._service.target, kwargs)
            except (WireError, AwsError) as exc:
                raise ClientError(
                    {"Error": {"Code": exc.code, "Message": exc.message}}, operation
                ) from exc

        return call


class InProcessClients:
    """A client factory (``ordermesh_contracts.environment.ClientFactory``) for the services
    the runtime speaks: ``events`` and ``stepfunctions``."""

    def __init__(self, services: Mapping[str, JsonService[Any]]) -> None:
        self._clients = {
            name: InProcessClient(name, service)
            for name, service in services.items()
            if name in _SERVICE_NAMES
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
