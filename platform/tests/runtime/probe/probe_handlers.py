"""Handlers of the probe services used by the crash tests: slow, and they log what they saw."""

from __future__ import annotations

import json
import os
import time
from typing import Any


def _log(name: str, lines: list[str]) -> None:
    path = os.path.join(os.environ["PROBE_LOG_DIR"], name)  # noqa: PTH118
    with open(path, "a", encoding="utf-8") as log:  # noqa: PTH123
        log.write("".join(f"{line}\n" for line in lines))
        log.flush()
        os.fsync(log.fileno())


def on_batch(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    time.sleep(0.2)
    _log("queue.log", [json.loads(r["body"])["id"] for r in event["Records"]])
    return {"batchItemFailures": []}


def on_event(event: dict[str, Any], _context: Any) -> None:
    time.sleep(0.02)
    _log("function.log", [event["id"]])


def on_ask(event: dict[str, Any], _context: Any) -> None:
    _log("tokens.log", [event["token"]])


def on_slow(event: dict[str, Any], _context: Any) -> str:
    _log("slow.log", [event["order"]])
    time.sleep(1.5)
    return "slow"
