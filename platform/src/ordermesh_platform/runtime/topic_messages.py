"""What SNS Publish accepts and what its subscribers receive.

``check_publish`` applies Publish's rules to one message (the 256 KB limit on the message and
its attributes together, the subject, MessageStructure ``json``, each message attribute's name,
type and value) and returns the message as stored: attributes with Binary values as base64
text. ``notification`` is the JSON an SQS (or HTTP) subscriber gets without raw message delivery,
``lambda_event`` the ``Records[].Sns`` event a Lambda subscriber is invoked with.

The signature is not AWS's (no certificate signs local messages): ``Signature`` is a base64
digest of the fields SNS signs, so it is stable and has AWS's shape, and ``SigningCertURL``
names a certificate that does not exist.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ordermesh_platform.shared.aws import REGION, AwsError
from ordermesh_platform.sns import attribute_values

MAX_MESSAGE_BYTES = 262_144
MAX_SUBJECT_CHARS = 100
MAX_ATTRIBUTE_NAME_CHARS = 256
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_RESERVED_PREFIXES = ("aws.", "amazon.")
_TYPES = ("String", "Number", "Binary")
SIGNING_CERT_URL = f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-local.pem"


class TopicError(AwsError):
    """A request SNS rejects: ``code`` is its error code."""


@dataclass(frozen=True)
class PublishedMessage:
    """One accepted message, as subscribers will see it."""

    topic_arn: str
    message_id: str
    message: str
    published_at: float
    subject: str | None = None
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    per_protocol: dict[str, str] = field(default_factory=dict)  # MessageStructure json

    def body_for(self, protocol: str) -> str:
        return self.per_protocol.get(protocol, self.message)


def _invalid(reason: str) -> TopicError:
    return TopicError("InvalidParameter", f"Invalid parameter: {reason}")


def check_publish(
    message: Any,
    *,
    subject: str | None = None,
    attributes: Mapping[str, Mapping[str, Any]] | None = None,
    message_structure: str | None = None,
) -> tuple[str, dict[str, dict[str, str]], dict[str, str]]:
    """The message, its attributes as stored and its per-protocol bodies, or a TopicError."""
    if not isinstance(message, str) or not message:
        raise _invalid("Empty message")
    stored = {name: _attribute(name, value) for name, value in (attributes or {}).items()}
    size = len(message.encode("utf-8", "surrogatepass")) + _attributes_size(attributes or {})
    if size > MAX_MESSAGE_BYTES:
        raise _invalid(f"Message too long: {size} bytes, at most {MAX_MESSAGE_BYTES}")
    if subject is not None:
        _check_subject(subject)
    per_protocol: dict[str, str] = {}
    if message_structure is not None:
        per_protocol = _structure(message, message_structure)
    return per_protocol.get("default", message), stored, per_protocol


def _check_subject(subject: str) -> None:
    if (
        not subject
        or len(subject) > MAX_SUBJECT_CHARS
        or not subject.isascii()
        or not subject.isprintable()
        or subject[0].isspace()
    ):
        reason = (
            "Subject: must be 1 to 100 printable ASCII characters, not starting with a space, "
            "without line breaks"
        )
        raise _invalid(reason)


def _structure(message: str, structure: str) -> dict[str, str]:
    if structure != "json":
        raise _invalid(f"MessageStructure: {structure!r} is not 'json'")
    try:
        bodies = json.loads(message)
    except ValueError:
        raise _invalid("Message Structure - JSON message body failed to parse") from None
    if not isinstance(bodies, dict) or "default" not in bodies:
        raise _invalid("Message Structure - No default entry in JSON message body")
    if not all(isinstance(body, str) for body in bodies.values()):
        raise _invalid("Message Structure - every entry must be a string")
    return dict(bodies)


def _attribute(name: str, attribute: Mapping[str, Any]) -> dict[str, str]:
    """One message attribute checked as Publish checks it, as stored (Binary as base64)."""
    where = f"The message attribute '{name}'"
    if (
        not name
        or len(name) > MAX_ATTRIBUTE_NAME_CHARS
        or not _ATTRIBUTE_NAME.match(name)
        or name.lower().startswith(_RESERVED_PREFIXES)
        or name.startswith(".")
        or name.endswith(".")
        or ".." in name
    ):
        reason = (
            f"{where} has an invalid name: 1 to 256 of A-Z a-z 0-9 _ - ., no leading, trailing "
            "or doubled period, not starting with AWS. or Amazon."
        )
        raise TopicError("ParameterValueInvalid", reason)
    data_type = attribute.get("DataType")
    if not isinstance(data_type, str) or data_type.partition(".")[0] not in _TYPES:
        reason = (
            f"{where} has an invalid message attribute type, the set of supported type "
            "prefixes is Binary, Number, and String."
        )
        raise TopicError("ParameterValueInvalid", reason)
    if data_type.startswith("Binary"):
        return {"DataType": data_type, "BinaryValue": _binary(where, attribute.get("BinaryValue"))}
    text = attribute.get("StringValue")
    if not isinstance(text, str) or not text:
        reason = (
            f"{where} must contain non-empty message attribute value for message attribute "
            f"type '{data_type.partition('.')[0]}'."
        )
        raise TopicError("ParameterValueInvalid", reason)
    if data_type.startswith("Number") and not attribute_values(attribute):
        raise TopicError("ParameterValueInvalid", f"Could not cast {where[4:]} value to number.")
    if data_type == "String.Array":
        _check_array(where, text)
    return {"DataType": data_type, "StringValue": text}


def _binary(where: str, value: Any) -> str:
    if isinstance(value, bytes | bytearray) and value:
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, str) and value:
        return value  # already base64, as the JSON wire protocol carries it
    reason = (
        f"{where} must contain non-empty message attribute value for message attribute type "
        "'Binary'."
    )
    raise TopicError("ParameterValueInvalid", reason)


def _check_array(where: str, text: str) -> None:
    try:
        items = json.loads(text)
    except ValueError:
        items = None
    if not isinstance(items, list) or any(isinstance(item, dict | list) for item in items):
        reason = (
            f"{where} with type 'String.Array' must be a JSON array of strings, numbers, "
            "true, false or null"
        )
        raise TopicError("ParameterValueInvalid", reason)


def _attributes_size(attributes: Mapping[str, Mapping[str, Any]]) -> int:
    size = 0
    for name, attribute in attributes.items():
        size += len(name.encode()) + len(str(attribute.get("DataType", "")).encode())
        value = attribute.get("StringValue", attribute.get("BinaryValue", ""))
        size += len(value if isinstance(value, bytes | bytearray) else str(value).encode())
    return size


def timestamp(epoch: float) -> str:
    """SNS's Timestamp: UTC with milliseconds, ``Z``."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def unsubscribe_url(subscription_arn: str) -> str:
    return (
        f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"
    )


def _signature(published: PublishedMessage, body: str) -> str:
    signed = "\n".join(
        [
            f"Message\n{body}",
            f"MessageId\n{published.message_id}",
            *([f"Subject\n{published.subject}"] if published.subject is not None else []),
            f"Timestamp\n{timestamp(published.published_at)}",
            f"TopicArn\n{published.topic_arn}",
            "Type\nNotification\n",
        ]
    )
    return base64.b64encode(hashlib.sha256(signed.encode()).digest()).decode()


def _sns_attributes(published: PublishedMessage) -> dict[str, dict[str, str]]:
    return {
        name: {
            "Type": value["DataType"],
            "Value": value.get("StringValue", value.get("BinaryValue", "")),
        }
        for name, value in published.attributes.items()
    }


def notification(published: PublishedMessage, subscription_arn: str, protocol: str) -> str:
    """The SNS envelope (JSON text) as SQS and HTTP subscribers receive it."""
    body = published.body_for(protocol)
    envelope: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": published.message_id,
        "TopicArn": published.topic_arn,
    }
    if published.subject is not None:
        envelope["Subject"] = published.subject
    envelope |= {
        "Message": body,
        "Timestamp": timestamp(published.published_at),
        "SignatureVersion": "1",
        "Signature": _signature(published, body),
        "SigningCertURL": SIGNING_CERT_URL,
        "UnsubscribeURL": unsubscribe_url(subscription_arn),
    }
    if published.attributes:
        envelope["MessageAttributes"] = _sns_attributes(published)
    return json.dumps(envelope)


def lambda_event(published: PublishedMessage, subscription_arn: str) -> str:
    """The event a Lambda subscriber is invoked with (JSON text): one record."""
    body = published.body_for("lambda")
    record = {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": published.message_id,
            "TopicArn": published.topic_arn,
            "Subject": published.subject,
            "Message": body,
            "Timestamp": timestamp(published.published_at),
            "SignatureVersion": "1",
            "Signature": _signature(published, body),
            "SigningCertUrl": SIGNING_CERT_URL,
            "UnsubscribeUrl": unsubscribe_url(subscription_arn),
            "MessageAttributes": _sns_attributes(published),
        },
    }
    return json.dumps({"Records": [record]})
