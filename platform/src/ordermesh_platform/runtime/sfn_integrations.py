"""Task state integrations on the local runtime: Lambda, EventBridge and SQS.

``LocalIntegrations`` is the Step Functions engine's ``Integrations`` port (``sfn.interpreter``)
over the runtime's functions, bus and queues; the runtime hands it to the engine it wires, so
``sfn`` never imports the runtime.

- ``arn:aws:states:::lambda:invoke`` calls a registered local function with ``Payload`` and
  returns Lambda's Invoke response (``Payload``, ``StatusCode``, ...); a plain function ARN
  returns the function's result itself. With ``.waitForTaskToken`` the function is invoked
  asynchronously (the task then waits for its token).
- ``arn:aws:states:::events:putEvents`` puts ``Entries`` on the local bus (``Detail`` may be an
  object); an entry the bus rejects fails the task with ``EventBridge.FailedEntry``.
- ``arn:aws:states:::sqs:sendMessage`` sends ``MessageBody`` to the queue named by ``QueueUrl``.

Failures raise ``StatesError`` with the error names Step Functions uses, so Retry and Catch see
what they would see on AWS.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from ordermesh_platform.runtime.bus import BusError
from ordermesh_platform.runtime.function_calls import FunctionError
from ordermesh_platform.runtime.queues import QueueError
from ordermesh_platform.sfn.errors import STATES_RUNTIME, StatesError
from ordermesh_platform.shared.aws import ACCOUNT, REGION, new_id

if TYPE_CHECKING:
    from collections.abc import Callable

    from ordermesh_platform.runtime.bus import LocalEventBus
    from ordermesh_platform.runtime.function_calls import FunctionCall
    from ordermesh_platform.runtime.functions import Functions
    from ordermesh_platform.runtime.queues import Queues
    from ordermesh_platform.sfn.interpreter import PendingCall, TaskRequest


def function_name(reference: str) -> str:
    """The function name in a name, a partial ARN or a full ARN (with or without a qualifier)."""
    parts = reference.split(":")
    if len(parts) >= 7 and parts[0] == "arn":  # noqa: PLR2004 - arn:aws:lambda:r:a:function:name
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":  # noqa: PLR2004 - account:function:name
        return parts[2]
    return parts[0]


def _sdk_metadata() -> dict[str, Any]:
    request_id = new_id()
    return {
        "SdkHttpMetadata": {
            "HttpHeaders": {"Content-Type": "application/json", "x-amzn-RequestId": request_id},
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


class LocalIntegrations:
    """The ``Integrations`` port over the local runtime's functions, bus and queues."""

    def __init__(
        self,
        *,
        functions: Functions | None = None,
        bus: LocalEventBus | None = None,
        queues: Queues | None = None,
    ) -> None:
        self.functions = functions
        self.bus = bus
        self.queues = queues

    def call(self, request: TaskRequest) -> Any:
        if request.service == "lambda":
            return self._lambda(request)
        if request.service == "events" and request.action == "putEvents":
            return self._put_events(request)
        if request.service == "sqs" and request.action == "sendMessage":
            return self._send_message(request)
        raise StatesError(
            STATES_RUNTIME,
            f"The resource '{request.resource}' is not supported by the local runtime "
            "(supported: lambda:invoke, plain function ARNs, events:putEvents, sqs:sendMessage)",
        )

    def start(self, request: TaskRequest, notify: Callable[[], None]) -> PendingCall | None:
        """Start a synchronous Lambda invoke without waiting for it (``notify`` is called when
        it ends); ``None`` for every other call, which ``call`` makes at once."""
        if request.service != "lambda" or request.wait_for_token:
            return None
        functions, name, payload, legacy = self._lambda_target(request)
        return _LambdaCall(functions.start(name, payload, notify=notify), legacy=legacy)

    # --- Lambda -------------------------------------------------------------------------------
    def _lambda(self, request: TaskRequest) -> Any:
        functions, name, payload, legacy = self._lambda_target(request)
        if request.wait_for_token:
            functions.invoke_async(name, json.dumps(payload))
            return {"StatusCode": 202, "Payload": "", **_sdk_metadata()}
        return _LambdaCall(functions.start(name, payload), legacy=legacy).result()

    def _lambda_target(self, request: TaskRequest) -> tuple[Functions, str, Any, bool]:
        """The functions, the function's name, the payload and whether the resource is a plain
        function ARN."""
        legacy = request.action != "invoke"
        parameters = request.parameters
        if legacy:
            name, payload = request.action, parameters
        else:
            if not isinstance(parameters, dict) or "FunctionName" not in parameters:
                raise StatesError(
                    STATES_RUNTIME,
                    "The field 'FunctionName' is required by lambda:invoke but is missing",
                )
            name, payload = (
                function_name(str(parameters["FunctionName"])),
                parameters.get("Payload"),
            )
        if self.functions is None or name not in self.functions:
            raise StatesError(
                "Lambda.ResourceNotFoundException",
                f"Function not found: arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name} "
                "(Service: Lambda, Status Code: 404, Error Code: ResourceNotFoundException)",
            )
        return self.functions, name, payload, legacy

    # --- EventBridge --------------------------------------------------------------------------
    def _put_events(self, request: TaskRequest) -> Any:
        parameters = request.parameters
        if self.bus is None:
            raise StatesError(STATES_RUNTIME, "No event bus is running locally")
        entries = parameters.get("Entries") if isinstance(parameters, dict) else None
        if not isinstance(entries, list):
            raise StatesError(STATES_RUNTIME, "The field 'Entries' of events:putEvents is missing")
        prepared = []
        for entry in entries:
            item = dict(entry)
            if "Detail" in item and not isinstance(item["Detail"], str):
                item["Detail"] = json.dumps(item["Detail"], separators=(",", ":"))
            bus_name = str(item.get("EventBusName", self.bus.name)).rsplit("/", 1)[-1]
            if bus_name not in {self.bus.name, "default"}:
                raise StatesError(
                    "EventBridge.ResourceNotFoundException",
                    f"Event bus {bus_name} does not exist.",
                )
            item["EventBusName"] = self.bus.name  # the runtime has one bus: "default" is it
            prepared.append(item)
        try:
            result = self.bus.put_events(prepared).to_aws()
        except BusError as err:
            raise StatesError(f"EventBridge.{err.code}", err.message) from err
        if result["FailedEntryCount"]:
            raise StatesError("EventBridge.FailedEntry", json.dumps(result, separators=(",", ":")))
        return result

    # --- SQS ----------------------------------------------------------------------------------
    def _send_message(self, request: TaskRequest) -> Any:
        parameters = request.parameters
        if self.queues is None:
            raise StatesError(STATES_RUNTIME, "No queues are running locally")
        if not isinstance(parameters, dict) or "QueueUrl" not in parameters:
            raise StatesError(STATES_RUNTIME, "The field 'QueueUrl' of sqs:sendMessage is missing")
        body = parameters.get("MessageBody", "")
        if not isinstance(body, str):
            body = json.dumps(body, separators=(",", ":"))
        queue = str(parameters["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        try:
            message_id = self.queues.send(
                queue,
                body,
                message_attributes=parameters.get("MessageAttributes"),
                delay_seconds=parameters.get("DelaySeconds"),
            )
        except (QueueError, KeyError) as err:
            raise StatesError("SQS.QueueDoesNotExistException", str(err)) from err
        return {
            "MessageId": message_id,
            "MD5OfMessageBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
            **_sdk_metadata(),
        }


class _LambdaCall:
    """A synchronous invoke under way, answered as Step Functions' Lambda integration answers:
    Invoke's response for ``lambda:invoke``, the function's result for a plain function ARN,
    ``StatesError`` (the error type, Lambda's error payload as the cause) if it failed."""

    def __init__(self, call: FunctionCall, *, legacy: bool) -> None:
        self._call = call
        self._legacy = legacy

    def done(self) -> bool:
        return self._call.done()

    def time_left(self) -> float:
        return self._call.time_left()

    def result(self) -> Any:
        try:
            result = self._call.result()
        except FunctionError as err:
            cause = {
                "errorMessage": err.message,
                "errorType": err.error_type,
                "requestId": new_id(),
                "stackTrace": err.trace.splitlines() if err.trace else [],
            }
            raise StatesError(err.error_type, json.dumps(cause, separators=(",", ":"))) from err
        if self._legacy:
            return result
        return {
            "ExecutedVersion": "$LATEST",
            "Payload": result,
            "StatusCode": 200,
            **_sdk_metadata(),
        }
