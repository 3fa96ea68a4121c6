"""AWS's query protocol over HTTP (SNS's): a form-encoded POST in, XML out.

A request is ``Action=<Operation>&Version=<api version>&<members>``, its members flattened as
botocore's query serializer flattens them (``A.member.N`` for lists, ``A.entry.N.<key name>`` and
``A.entry.N.<value name>`` for maps, ``A.B`` for nested structures, blobs in base64). The request
is read back into the operation's input by the service's own botocore model, so member names,
required members and shapes are AWS's, not a second copy. The answer is
``<ActionResponse><ActionResult>..</ActionResult><ResponseMetadata><RequestId>..``, or
``<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error>
<RequestId>..</RequestId></ErrorResponse>`` with the code's HTTP status from the model (NotFound
is a 404). A request that cannot be read is a ``MalformedQueryString``, an unknown action an
``InvalidAction``, a missing required member a ``ValidationError``, as AWS answers them.
Operations run in a worker thread, as the JSON protocols' do. Signatures are not checked.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

from botocore.model import OperationModel, ServiceModel, Shape
from botocore.serialize import create_serializer
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ordermesh_platform.runtime.awsjson import Endpoint, WireError
from ordermesh_platform.shared.aws import AwsError, new_id

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/xml"
FORM_TYPE = "application/x-www-form-urlencoded"
S = TypeVar("S")
Operation = Callable[[S, dict[str, Any]], dict[str, Any] | None]

_INDEX = re.compile(r"^[1-9][0-9]{0,5}$")
# What XML 1.0 can carry; anything else in a text (a control character a client sent, echoed in
# an error message) would make the whole answer unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def malformed(message: str) -> WireError:
    return WireError("MalformedQueryString", message)


@dataclass(frozen=True)
class QueryService(Generic[S]):
    """One query-protocol service: its botocore model, its operations and what they work on.
    An operation takes that object and the request's members (as boto3 would take them) and
    returns the result's members, or None for an operation without a result."""

    model: ServiceModel
    operations: Mapping[str, Operation[S]]
    target: S
    statuses: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        statuses = {
            str(error["code"]): int(error.get("httpStatusCode", 400))
            for shape in self.model.error_shapes
            if (error := shape.metadata.get("error"))
        }
        object.__setattr__(self, "statuses", statuses)

    @property
    def namespace(self) -> str:
        return str(self.model.metadata["xmlNamespace"])


# --- the request ----------------------------------------------------------------------------


def form_parameters(body: bytes, query: str = "") -> dict[str, str]:
    """The request's parameters (the URL's and the form body's); each name at most once."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
        text = body.decode("utf-8")
        if text:
            pairs += parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise malformed(f"the request is not a UTF-8 form ({exc})") from None
    parameters: dict[str, str] = {}
    for name, value in pairs:
        if name in parameters:
            raise malformed(f"the parameter {name} is given more than once")
        parameters[name] = value
    return parameters


def _path(key: str) -> str:
    """A member's path as AWS's validation messages name it: ``Entries.member.1.Id`` ->
    ``entries.member.1.id``."""
    return ".".join(part[:1].lower() + part[1:] for part in key.split("."))


class _Reader:
    """Reads one operation's input from the flat parameters, driven by the input shape."""

    def __init__(self, parameters: Mapping[str, str]) -> None:
        self.parameters = parameters
        self.missing: list[str] = []

    def present(self, key: str) -> bool:
        prefix = key + "."
        return key in self.parameters or any(name.startswith(prefix) for name in self.parameters)

    def read(self, shape: Shape, key: str) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, key)
        if kind == "list":
            return self.list(shape, key)
        if kind == "map":
            return self.map(shape, key)
        return self.scalar(shape, key)

    def structure(self, shape: Shape, key: str) -> dict[str, Any]:
        if key and key in self.parameters:
            raise malformed(f"{key} is a structure: give its members ({key}.<Member>)")
        result: dict[str, Any] = {}
        required = set(shape.required_members)
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            wire_name = member.serialization.get("name", name)
            member_key = f"{key}.{wire_name}" if key else wire_name
            if self.present(member_key):
                result[name] = self.read(member, member_key)
            elif name in required:
                self.missing.append(member_key)
        return result

    def indices(self, key: str, base: str) -> list[str]:
        """The N of each ``base.N...`` parameter, in order (``key=`` alone: none, as boto3
        sends an empty list or map)."""
        if self.parameters.get(key, "") != "":
            raise malformed(
                f"{key} is a {'list' if base.endswith('member') else 'map'}: "
                f"give its members ({base}.N...), not a value"
            )
        prefix = base + "."
        found = {
            name[len(prefix) :].split(".", 1)[0]
            for name in self.parameters
            if name.startswith(prefix)
        }
        for index in found:
            if not _INDEX.match(index):
                raise malformed(f"{prefix}{index}: {index!r} is not an index (1, 2, ...)")
        return sorted(found, key=int)

    def list(self, shape: Shape, key: str) -> list[Any]:
        member = shape.member  # type: ignore[attr-defined]
        base = f"{key}.{member.serialization.get('name', 'member')}"
        return [self.read(member, f"{base}.{n}") for n in self.indices(key, base)]

    def map(self, shape: Shape, key: str) -> dict[str, Any]:
        key_name = shape.key.serialization.get("name", "key")  # type: ignore[attr-defined]
        value_shape = shape.value  # type: ignore[attr-defined]
        value_name = value_shape.serialization.get("name", "value")
        base = f"{key}.entry"
        result: dict[str, Any] = {}
        for n in self.indices(key, base):
            entry = f"{base}.{n}"
            name = self.parameters.get(f"{entry}.{key_name}")
            if name is None:
                raise malformed(f"{entry}.{key_name} is missing: each entry of {key} needs one")
            if name in result:
                raise malformed(f"{key} has the key {name!r} more than once")
            result[name] = self.read(value_shape, f"{entry}.{value_name}")
        return result

    def scalar(self, shape: Shape, key: str) -> Any:
        value = self.parameters.get(key)
        kind = shape.type_name
        prefix = key + "."
        if value is None or any(name.startswith(prefix) for name in self.parameters):
            raise malformed(f"{key} is a {kind}: give {key}=<value>, without members")
        if kind == "boolean":
            if value.lower() not in ("true", "false"):
                raise malformed(f"{key} must be true or false, not {value!r}")
            return value.lower() == "true"
        if kind in ("integer", "long"):
            try:
                return int(value)
            except ValueError:
                raise malformed(f"{key} must be an integer, not {value!r}") from None
        if kind == "blob":
            try:
                return base64.b64decode(value, validate=True)
            except binascii.Error:
                raise malformed(f"{key} must be base64, not {value!r}") from None
        return value


def read_input(operation: OperationModel, parameters: Mapping[str, str]) -> dict[str, Any]:
    """The operation's members from the request's parameters, or the error AWS gives."""
    shape = operation.input_shape
    if shape is None:
        return {}
    reader = _Reader(parameters)
    members = reader.structure(shape, "")
    if reader.missing:
        count = len(reader.missing)
        errors = "; ".join(
            f"Value null at '{_path(key)}' failed to satisfy constraint: Member must not be null"
            for key in reader.missing
        )
        plural = "error" if count == 1 else "errors"
        raise WireError("ValidationError", f"{count} validation {plural} detected: {errors}")
    return members


# --- the answer -----------------------------------------------------------------------------


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _write(parent: ET.Element, shape: Shape, value: Any) -> None:
    """``value`` into ``parent`` as the query protocol's XML for ``shape`` (lists and maps
    wrapped, as SNS's are)."""
    kind = shape.type_name
    if kind == "structure":
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            if value.get(name) is not None:
                child = ET.SubElement(parent, member.serialization.get("name", name))
                _write(child, member, value[name])
    elif kind == "list":
        member = shape.member  # type: ignore[attr-defined]
        for item in value:
            _write(ET.SubElement(parent, member.serialization.get("name", "member")), member, item)
    elif kind == "map":
        for key, item in value.items():
            entry = ET.SubElement(parent, "entry")
            ET.SubElement(entry, shape.key.serialization.get("name", "key")).text = _text(key)  # type: ignore[attr-defined]
            value_shape = shape.value  # type: ignore[attr-defined]
            _write(
                ET.SubElement(entry, value_shape.serialization.get("name", "value")),
                value_shape,
                item,
            )
    elif kind == "boolean":
        parent.text = "true" if value else "false"
    elif kind == "blob":
        parent.text = base64.b64encode(value).decode()
    else:
        parent.text = _text(str(value))


def _document(root: ET.Element) -> bytes:
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def result_xml(
    operation: OperationModel, result: Mapping[str, Any] | None, request_id: str, namespace: str
) -> bytes:
    root = ET.Element(f"{operation.name}Response", xmlns=namespace)
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{operation.name}Result")
        _write(ET.SubElement(root, wrapper), shape, result or {})
    metadata = ET.SubElement(root, "ResponseMetadata")
    ET.SubElement(metadata, "RequestId").text = request_id
    return _document(root)


def error_xml(
    code: str, message: str, request_id: str, namespace: str, *, sender: bool = True
) -> bytes:
    root = ET.Element("ErrorResponse", xmlns=namespace)
    error = ET.SubElement(root, "Error")
    ET.SubElement(error, "Type").text = "Sender" if sender else "Receiver"
    ET.SubElement(error, "Code").text = code
    ET.SubElement(error, "Message").text = _text(message)
    ET.SubElement(root, "RequestId").text = request_id
    return _document(root)


def _answer(body: bytes, request_id: str, status: int = 200) -> Response:
    # AWS's content type as it sends it (Starlette would add a charset to a text/* media type)
    headers = {"content-type": CONTENT_TYPE, "x-amzn-RequestId": request_id}
    return Response(body, status_code=status, headers=headers)


# --- in process ---------------------------------------------------------------------------


def invoke(service: QueryService[S], operation_name: str, members: Mapping[str, Any]) -> Any:
    """Run one operation in process as boto3 would reach it over the wire: ``members`` checked
    and flattened by botocore's query serializer (``ParamValidationError``, as boto3 raises it)
    and read back by the model, so the operation sees exactly what the endpoint would give it."""
    operation = service.model.operation_model(operation_name)
    serializer = create_serializer("query", include_validation=True)
    request = serializer.serialize_to_request(dict(members), operation)
    parameters = {name: str(value) for name, value in request["body"].items()}
    return service.operations[operation_name](service.target, read_input(operation, parameters))


# --- the endpoint ---------------------------------------------------------------------------


def is_query_request(request: Request) -> bool:
    """A request for a query-protocol service: no ``X-Amz-Target``, and a form body or an
    ``Action`` in the URL."""
    if "x-amz-target" in request.headers:
        return False
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return content_type == FORM_TYPE or "Action" in request.query_params


def _route(
    by_action: Mapping[str, QueryService[Any]], parameters: Mapping[str, str]
) -> tuple[QueryService[Any], OperationModel]:
    """The service and operation the request's ``Action`` (and ``Version``) name."""
    action, version = parameters.get("Action"), parameters.get("Version")
    if not action:
        raise WireError("MissingAction", "The request must contain the parameter Action.")
    service = by_action.get(action)
    if service is None or version not in (None, service.model.api_version):
        unserved = _unserved(by_action.values(), action, version)
        raise WireError(
            "InvalidAction", f"Could not find operation {action} for version {version}{unserved}"
        )
    return service, service.model.operation_model(action)


def _unserved(services: Iterable[QueryService[Any]], action: str, version: str | None) -> str:
    """Why an operation of a served API's model is not found: the runtime does not serve it."""
    for service in services:
        if action in service.model.operation_names and version in (None, service.model.api_version):
            name = service.model.metadata.get("serviceId", service.model.service_name)
            served = ", ".join(sorted(service.operations))
            return f": the local runtime does not serve {name}'s {action} (it serves {served})"
    return ""


def query_endpoint(*services: QueryService[Any]) -> Endpoint:
    """A Starlette endpoint serving ``services``, routed by the ``Action`` parameter."""
    by_action = {action: s for s in services for action in s.operations}
    default_namespace = services[0].namespace if services else ""

    async def endpoint(request: Request) -> Response:
        request_id = new_id()
        namespace, statuses, action = default_namespace, {}, None
        try:
            parameters = form_parameters(await request.body(), request.url.query)
            service, operation = _route(by_action, parameters)
            namespace, statuses, action = service.namespace, service.statuses, operation.name
            members = read_input(operation, parameters)
            handler = service.operations[operation.name]
            result = await run_in_threadpool(handler, service.target, members)
        except (WireError, AwsError) as exc:
            status = exc.status if isinstance(exc, WireError) else statuses.get(exc.code, 400)
            body = error_xml(exc.code, exc.message, request_id, namespace)
            return _answer(body, request_id, status)
        except Exception as exc:
            logger.exception("%s failed", action)
            body = error_xml("InternalError", str(exc), request_id, namespace, sender=False)
            return _answer(body, request_id, 500)
        return _answer(result_xml(operation, result, request_id, namespace), request_id)

    return endpoint
