"""The port to Step Functions the saga's handlers use, and its adapter over a boto3-shaped
``stepfunctions`` client (boto3's in AWS, the local runtime's in-process one on ``ordermesh up``).

An order's saga is the execution named by the order id, so starting it twice is harmless: a
second start, whatever its input, reports the existing execution (``created=False``) and starts
nothing. (Step Functions itself answers a repeat with the same input with the first execution and
refuses one with another input; the adapter reports both as the saga that exists.)
``SagaConflictError`` is for a redrive the execution's state refuses.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

# SendTask* errors that mean the saga no longer waits for this token: nothing to retry.
STALE_TOKEN_ERRORS = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})


class SagaNotFoundError(Exception):
    """No saga for this order."""


class SagaConflictError(Exception):
    """The saga exists with another input, or cannot be redriven now."""


class InvalidPageTokenError(ValueError):
    """A listing's nextToken that Step Functions did not give (its InvalidToken)."""


@dataclass(frozen=True)
class Started:
    execution_arn: str
    created: bool  # False: the order's saga already existed


@dataclass(frozen=True)
class ExecutionPage:
    executions: list[dict[str, Any]]
    next_token: str | None


class Sagas(ABC):
    @abstractmethod
    def start(self, order_id: str, execution_input: dict[str, Any]) -> Started: ...

    @abstractmethod
    def describe(self, order_id: str) -> dict[str, Any]:
        """DescribeExecution's answer; ``SagaNotFoundError`` if the order has no saga."""

    @abstractmethod
    def history(self, execution_arn: str) -> Iterator[dict[str, Any]]: ...

    @abstractmethod
    def list(self, status: str | None, limit: int, next_token: str | None) -> ExecutionPage: ...

    @abstractmethod
    def redrive(self, order_id: str) -> str: ...

    @abstractmethod
    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        """Resume the waiting step; False if the saga no longer waits for this token."""

    @abstractmethod
    def fail(self, task_token: str, error: str, cause: str) -> bool: ...


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class StepFunctionsSagas(Sagas):
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client = client
        self.state_machine_arn = state_machine_arn

    def execution_arn(self, order_id: str) -> str:
        prefix, _, name = self.state_machine_arn.rpartition(":stateMachine:")
        return f"{prefix}:execution:{name}:{order_id}"

    def start(self, order_id: str, execution_input: dict[str, Any]) -> Started:
        text = json.dumps(execution_input, separators=(",", ":"), sort_keys=True)
        # Step Functions answers a repeated start (same name, same input, still running) with the
        # existing execution, not an error: ask first, so a repeat is reported as one.
        if self._exists(order_id):
            return Started(self.execution_arn(order_id), created=False)
        try:
            response = self._client.start_execution(
                stateMachineArn=self.state_machine_arn, name=order_id, input=text
            )
        except ClientError as exc:
            if _code(exc) != "ExecutionAlreadyExists":
                raise
            return Started(self.execution_arn(order_id), created=False)
        return Started(str(response["executionArn"]), created=True)

    def _exists(self, order_id: str) -> bool:
        try:
            self.describe(order_id)
        except SagaNotFoundError:
            return False
        return True

    def describe(self, order_id: str) -> dict[str, Any]:
        try:
            response: dict[str, Any] = self._client.describe_execution(
                executionArn=self.execution_arn(order_id)
            )
        except ClientError as exc:
            if _code(exc) == "ExecutionDoesNotExist":
                raise SagaNotFoundError(order_id) from exc
            raise
        return response

    def history(self, execution_arn: str) -> Iterator[dict[str, Any]]:
        token: str | None = None
        while True:
            request: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
            if token:
                request["nextToken"] = token
            response = self._client.get_execution_history(**request)
            yield from response["events"]
            token = response.get("nextToken")
            if not token:
                return

    def list(self, status: str | None, limit: int, next_token: str | None) -> ExecutionPage:
        request: dict[str, Any] = {"stateMachineArn": self.state_machine_arn, "maxResults": limit}
        if status:
            request["statusFilter"] = status
        if next_token:
            request["nextToken"] = next_token
        try:
            response = self._client.list_executions(**request)
        except ClientError as exc:
            if next_token and _code(exc) == "InvalidToken":
                raise InvalidPageTokenError(exc.response["Error"].get("Message", "")) from exc
            raise
        return ExecutionPage(list(response["executions"]), response.get("nextToken"))

    def redrive(self, order_id: str) -> str:
        try:
            response = self._client.redrive_execution(executionArn=self.execution_arn(order_id))
        except ClientError as exc:
            if _code(exc) == "ExecutionDoesNotExist":
                raise SagaNotFoundError(order_id) from exc
            if _code(exc) in ("ExecutionNotRedrivable", "ExecutionLimitExceeded"):
                raise SagaConflictError(exc.response["Error"].get("Message", "")) from exc
            raise
        return str(response.get("redriveDate", ""))

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        return self._send(
            self._client.send_task_success,
            taskToken=task_token,
            output=json.dumps(output, separators=(",", ":")),
        )

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        return self._send(
            self._client.send_task_failure, taskToken=task_token, error=error, cause=cause
        )

    @staticmethod
    def _send(operation: Any, **request: Any) -> bool:
        try:
            operation(**request)
        except ClientError as exc:
            if _code(exc) in STALE_TOKEN_ERRORS:
                return False
            raise
        return True
