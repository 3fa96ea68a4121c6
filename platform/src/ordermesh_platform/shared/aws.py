"""The account, region and ARNs the local runtime presents, shaped as AWS shapes them."""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import random
import struct
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

REGION = "us-east-1"
ACCOUNT = "000000000000"


class AwsError(ValueError):
    """A request the AWS service would reject: ``code`` is its error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def queue_arn(name: str) -> str:
    return arn("sqs", name)


def function_arn(name: str) -> str:
    return arn("lambda", f"function:{name}")


def stream_arn(name: str) -> str:
    return arn("kinesis", f"stream/{name}")


def rule_arn(bus: str, name: str) -> str:
    return arn("events", f"rule/{name}" if bus == "default" else f"rule/{bus}/{name}")


def bus_arn(name: str) -> str:
    return arn("events", f"event-bus/{name}")


def state_machine_arn(name: str) -> str:
    return arn("states", f"stateMachine:{name}")


@functools.lru_cache(maxsize=256)
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_time(epoch: float) -> str:
    """EventBridge's event time: UTC, second precision, ``Z`` suffix."""
    return _iso_second(int(epoch))


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.lru_cache(maxsize=256)
def _clf_second(second: int) -> str:
    t = datetime.fromtimestamp(second, UTC)
    month = _MONTHS[t.month - 1]  # not strftime's %b, which follows the locale
    return f"{t.day:02d}/{month}/{t.year}:{t.hour:02d}:{t.minute:02d}:{t.second:02d} +0000"


def clf_time(epoch: float) -> str:
    """API Gateway's request time (Common Log Format, UTC): ``12/Mar/2020:19:03:58 +0000``."""
    return _clf_second(int(epoch))


_ids = random.Random(os.urandom(32))  # noqa: S311 - ids must be unique, not unpredictable
_ids_lock = threading.Lock()


def new_id() -> str:
    """A random (version 4) UUID as text, as AWS assigns event and message ids."""
    with _ids_lock:
        bits = _ids.getrandbits(128)
    bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def epoch_millis(epoch: float) -> int:
    return int(epoch * 1000)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_of_message_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> str | None:
    """SQS's MD5OfMessageAttributes: names sorted, each field length-prefixed (big-endian)."""
    if not attributes:
        return None

    def chunk(value: bytes) -> bytes:
        return struct.pack(">I", len(value)) + value

    buffer = b""
    for name in sorted(attributes):
        attribute = attributes[name]
        data_type = str(attribute["DataType"])
        buffer += chunk(name.encode()) + chunk(data_type.encode())
        if data_type.startswith("Binary"):
            raw = attribute["BinaryValue"]  # bytes, or base64 text as stored and sent to Lambda
            buffer += b"\x02" + chunk(raw if isinstance(raw, bytes) else base64.b64decode(raw))
        else:
            buffer += b"\x01" + chunk(str(attribute["StringValue"]).encode())
    return md5_hex(buffer)
