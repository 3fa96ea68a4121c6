"""Step Functions' JSON 1.0 API over HTTP (``X-Amz-Target: AWSStepFunctions.<Operation>``), so
``boto3.client("stepfunctions", endpoint_url=...)`` and ``aws stepfunctions --endpoint-url``
work against the local service (``sfn.engine.StepFunctions``), served by the runtime.

Operations: CreateStateMachine, DescribeStateMachine, UpdateStateMachine, DeleteStateMachine,
ListStateMachines, StartExecution, StartSyncExecution, DescribeExecution, ListExecutions,
GetExecutionHistory, StopExecution, RedriveExecution, SendTaskSuccess, SendTaskFailure,
SendTaskHeartbeat. Request and response fields are AWS's; dates are epoch seconds, which boto3
turns into datetimes. Settings the local service has no use for (tags, logging, tracing,
encryption, trace headers) are accepted and ignored.

StartSyncExecution is served on AWS from the ``sync-states`` host, and boto3 sends it to
``sync-`` + the endpoint's host (``sync-127.0.0.1``, which does not resolve) unless host prefix
injection is turned off: ``botocore.config.Config(inject_host_prefix=False)``, or
``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` (``disable_host_prefix_injection = true`` in the AWS
config file). The endpoint ignores the Host header, so a prefixed name that resolves to it works
as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from starlette.applications import Starlette

from ordermesh_platform.runtime.awsjson import JSON_1_0, JsonService, WireError, json_app
from ordermesh_platform.sfn.engine import StepFunctions, Type

TARGET_PREFIX = "AWSStepFunctions"
CONTENT_TYPE = JSON_1_0

Body = Mapping[str, Any]
_T = TypeVar("_T")
Operation = Callable[[StepFunctions, Body], dict[str, Any]]

_TYPES: dict[str, Type] = {"STANDARD": "STANDARD", "EXPRESS": "EXPRESS"}
_INCLUDED_DATA = ("ALL_DATA", "METADATA_ONLY")
_KINDS: dict[type, str] = {str: "a string", int: "an integer", bool: "a boolean"}


# --- request fields -----------------------------------------------------------------------------


def _field(body: Body, name: str, kind: type[_T]) -> _T | None:
    """The field's value if given, which must be a ``kind`` (a boolean is not an integer)."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return value
    raise WireError(
        "SerializationException",
        f"'{name}' must be {_KINDS[kind]}, not {type(value).__name__}",
    )


def _string(body: Body, name: str) -> str | None:
    return _field(body, name, str)


def _required(body: Body, name: str) -> str:
    value = _field(body, name, str)
    if value is None:
        raise WireError(
            "ValidationException",
            f"1 validation error detected: Value null at '{name}' failed to satisfy "
            "constraint: Member must not be null",
        )
    return value


def _boolean(body: Body, name: str, *, default: bool) -> bool:
    value = _field(body, name, bool)
    return default if value is None else value


def _enum(body: Body, name: str, values: tuple[str, ...]) -> str | None:
    value = _string(body, name)
    if value is not None and value not in values:
        raise WireError(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at '{name}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(values)}]",
        )
    return value


def _unsupported(body: Body, *names: str) -> None:
    for name in names:
        if body.get(name) is not None:
            raise WireError("ValidationException", f"'{name}' is not supported locally")


def _page(body: Body) -> dict[str, Any]:
    return {
        "max_results": _field(body, "maxResults", int),
        "next_token": _string(body, "nextToken"),
    }


def _included_data(body: Body) -> str:
    return _enum(body, "includedData", _INCLUDED_DATA) or "ALL_DATA"


def _with_data(included: str, result: dict[str, Any]) -> dict[str, Any]:
    """``includedData: METADATA_ONLY`` leaves out the execution's input and output."""
    if included != "METADATA_ONLY":
        return result
    trimmed = {k: v for k, v in result.items() if k not in {"input", "output"}}
    for details in ("inputDetails", "outputDetails"):
        if details in trimmed:
            trimmed[details] = {"included": False}
    return trimmed


# --- operations ---------------------------------------------------------------------------------
def _create_state_machine(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    kind = _enum(body, "type", tuple(_TYPES)) or "STANDARD"
    return sfn.create_state_machine(
        _required(body, "name"),
        _required(body, "definition"),
        role_arn=_required(body, "roleArn"),
        type=_TYPES[kind],
    )


def _describe_state_machine(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.describe_state_machine(_required(body, "stateMachineArn"))


def _update_state_machine(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    arn = _required(body, "stateMachineArn")
    definition, role_arn = _string(body, "definition"), _string(body, "roleArn")
    changes = ("loggingConfiguration", "tracingConfiguration", "encryptionConfiguration")
    if definition is None and role_arn is None and all(body.get(c) is None for c in changes):
        raise WireError(
            "MissingRequiredParameter",
            "Either the definition, the role ARN, the LoggingConfiguration, the "
            "EncryptionConfiguration or the TracingConfiguration must be specified",
        )
    return sfn.update_state_machine(arn, definition=definition, role_arn=role_arn)


def _delete_state_machine(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.delete_state_machine(_required(body, "stateMachineArn"))


def _list_state_machines(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.list_state_machines(**_page(body))


def _start_execution(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.start_execution(
        _required(body, "stateMachineArn"), name=_string(body, "name"), input=_string(body, "input")
    )


def _start_sync_execution(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    included = _included_data(body)
    result = sfn.start_sync_execution(
        _required(body, "stateMachineArn"), name=_string(body, "name"), input=_string(body, "input")
    )
    return _with_data(included, result)


def _describe_execution(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    included = _included_data(body)
    return _with_data(included, sfn.describe_execution(_required(body, "executionArn")))


def _list_executions(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    _unsupported(body, "mapRunArn", "redriveFilter")
    return sfn.list_executions(
        _required(body, "stateMachineArn"),
        status_filter=_string(body, "statusFilter"),
        **_page(body),
    )


def _get_execution_history(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.get_execution_history(
        _required(body, "executionArn"),
        reverse_order=_boolean(body, "reverseOrder", default=False),
        include_execution_data=_boolean(body, "includeExecutionData", default=True),
        **_page(body),
    )


def _stop_execution(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.stop_execution(
        _required(body, "executionArn"), error=_string(body, "error"), cause=_string(body, "cause")
    )


def _redrive_execution(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.redrive_execution(
        _required(body, "executionArn"), client_token=_string(body, "clientToken")
    )


def _send_task_success(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.send_task_success(_required(body, "taskToken"), _required(body, "output"))


def _send_task_failure(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.send_task_failure(
        _required(body, "taskToken"), error=_string(body, "error"), cause=_string(body, "cause")
    )


def _send_task_heartbeat(sfn: StepFunctions, body: Body) -> dict[str, Any]:
    return sfn.send_task_heartbeat(_required(body, "taskToken"))


OPERATIONS: dict[str, Operation] = {
    "CreateStateMachine": _create_state_machine,
    "DescribeStateMachine": _describe_state_machine,
    "UpdateStateMachine": _update_state_machine,
    "DeleteStateMachine": _delete_state_machine,
    "ListStateMachines": _list_state_machines,
    "StartExecution": _start_execution,
    "StartSyncExecution": _start_sync_execution,
    "DescribeExecution": _describe_execution,
    "ListExecutions": _list_executions,
    "GetExecutionHistory": _get_execution_history,
    "StopExecution": _stop_execution,
    "RedriveExecution": _redrive_execution,
    "SendTaskSuccess": _send_task_success,
    "SendTaskFailure": _send_task_failure,
    "SendTaskHeartbeat": _send_task_heartbeat,
}


def sfn_service(sfn: StepFunctions) -> JsonService[StepFunctions]:
    """Step Functions' JSON 1.0 operations on ``sfn``."""
    return JsonService(TARGET_PREFIX, CONTENT_TYPE, OPERATIONS, sfn)


def sfn_app(sfn: StepFunctions) -> Starlette:
    """Step Functions alone (``runtime.wire.aws_app`` serves it beside EventBridge)."""
    return json_app(sfn_service(sfn))
