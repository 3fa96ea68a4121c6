"""What the Step Functions engine tests share: three small machines (a Pass chain, a Wait of
60 s, a token task with a 300 s timeout), a Task integration that records and fails calls,
and creating a machine and reading the types of an execution's history events."""

from __future__ import annotations

import json
from typing import Any

from ordermesh_platform.sfn.engine import StepFunctions
from ordermesh_platform.sfn.errors import StatesError
from ordermesh_platform.sfn.interpreter import TaskRequest

PASS_CHAIN = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "End": True},
    },
}
WAIT = {
    "StartAt": "Wait",
    "States": {
        "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": "waited", "End": True},
    },
}
TOKEN = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents.waitForTaskToken",
            "Parameters": {
                "Entries": [
                    {
                        "Source": "test",
                        "DetailType": "Ask",
                        "Detail": {"token.$": "$$.Task.Token", "order.$": "$.order"},
                    }
                ]
            },
            "TimeoutSeconds": 300,
            "ResultPath": "$.reply",
            "End": True,
        }
    },
}


class RecordingIntegrations:
    """Records every Task call; fails the ones whose action is in ``failing``."""

    def __init__(self) -> None:
        self.requests: list[TaskRequest] = []
        self.failing: set[str] = set()

    def call(self, request: TaskRequest) -> Any:
        self.requests.append(request)
        if request.action in self.failing:
            raise StatesError("Boom", "it failed")
        return {"Entries": [{"EventId": "1"}], "FailedEntryCount": 0}

    def tokens(self) -> list[str]:
        return [r.parameters["Entries"][0]["Detail"]["token"] for r in self.requests]


def _machine(sfn: StepFunctions, definition: dict[str, Any], name: str = "m") -> str:
    arn: str = sfn.create_state_machine(name, json.dumps(definition))["stateMachineArn"]
    return arn


def _types(sfn: StepFunctions, arn: str) -> list[str]:
    return [e["type"] for e in sfn.get_execution_history(arn, max_results=1000)["events"]]
