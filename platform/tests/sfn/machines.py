"""State machines and a recording Task integration for the Step Functions endpoint and CLI tests."""

from __future__ import annotations

import json
from typing import Any

from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.interpreter import TaskRequest

# Six events: ExecutionStarted, Pass entered/exited, Succeed entered/exited, ExecutionSucceeded.
GREET = {
    "StartAt": "Greet",
    "States": {
        "Greet": {
            "Type": "Pass",
            "Parameters": {"greeting.$": "States.Format('hello {}', $.who)"},
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}
PAUSE = {
    "StartAt": "Pause",
    "States": {"Pause": {"Type": "Wait", "Seconds": 3600, "End": True}},
}
APPROVAL = {
    "StartAt": "Approve",
    "States": {
        "Approve": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "approvals",
                "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"},
            },
            "ResultPath": "$.approval",
            "End": True,
        }
    },
}
CHARGE = {
    "StartAt": "Reserve",
    "States": {
        "Reserve": {"Type": "Pass", "Result": "held", "ResultPath": "$.stock", "Next": "Charge"},
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "End": True,
        },
    },
}


def text(definition: dict[str, Any]) -> str:
    return json.dumps(definition)


class Recorder:
    """Task calls: keeps the tokens of token tasks; fails the actions in ``failing``."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.failing: set[str] = set()

    def call(self, request: TaskRequest) -> Any:
        if request.action in self.failing:
            raise StatesError("Payment.Declined", "card expired")
        if request.token:
            self.tokens.append(request.token)
            return {"MessageId": "m-1"}
        return {"StatusCode": 200, "Payload": {"charged": request.parameters["Payload"]}}
