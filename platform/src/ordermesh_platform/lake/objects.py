"""The lake's objects as Firehose writes them: their keys, their bytes, and how they appear.

A key is ``<evaluated prefix><stream>-<stream version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid>
<file extension>``, the timestamp expressions evaluated in UTC at the approximate arrival time of
the oldest record in the object (for the prefix's ``!{timestamp:...}`` too); with record format
conversion to Parquet the extension is ``.parquet``, and the error output (JSON documents, not
compressed) has none. Records that fail conversion are written there one JSON document per line,
in the shape Firehose documents for format conversion errors.

An object appears whole or not at all: its bytes are written to a staging file in the lake's
folder (``.staging/``, on the same file system, outside every table's prefix), flushed to disk,
renamed into place, and the folder flushed, so a process killed at any point leaves either no
object or the complete one (and perhaps a staging file that nothing reads).
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from ordermesh_platform.shared.aws import ACCOUNT, REGION, epoch_millis

STREAM_VERSION: Final = 1  # Firehose's stream version: 1 until the stream's configuration changes
PARQUET_EXTENSION: Final = ".parquet"  # what Firehose appends with Parquet format conversion
ERROR_EXTENSION: Final = ""  # error output is uncompressed JSON: no extension
STAGING: Final = ".staging"
CONVERSION_ERROR_CODE: Final = "DataFormatConversion.MalformedData"
NAMESPACE: Final = uuid.UUID("5d0e4c1e-6f3b-5a53-9c1e-0a4e0b7d2c11")  # of the objects' uuids
_EXPRESSION: Final = re.compile(r"!\{([a-z]+):([^}]*)\}")
_JAVA_FIELDS: Final = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
_JAVA_TOKEN: Final = re.compile(r"yyyy|MM|dd|HH|mm|ss|[^A-Za-z]+")


def object_uuid(stream: str, *parts: object) -> uuid.UUID:
    """The uuid of an object's name, derived from what identifies its batch, so that writing
    the batch again names the object again the same."""
    return uuid.uuid5(NAMESPACE, "/".join([stream, *map(repr, parts)]))


def evaluate_prefix(prefix: str, oldest_arrival: float, error_output_type: str = "") -> str:
    """``prefix`` with ``!{timestamp:...}`` evaluated in UTC at ``oldest_arrival`` and
    ``!{firehose:error-output-type}`` replaced by ``error_output_type``."""
    moment = datetime.fromtimestamp(oldest_arrival, UTC)

    def evaluate(match: re.Match[str]) -> str:
        namespace, argument = match.groups()
        if namespace == "timestamp":
            return moment.strftime(_java_format(argument))
        if namespace == "firehose" and argument == "error-output-type" and error_output_type:
            return error_output_type
        raise ValueError(f"{match.group(0)}: not an expression this prefix can take")

    return _EXPRESSION.sub(evaluate, prefix)


def _java_format(pattern: str) -> str:
    """A Java DateTimeFormatter pattern (the fields Firehose prefixes use) as a strftime one."""
    tokens = _JAVA_TOKEN.findall(pattern)
    if "".join(tokens) != pattern:
        raise ValueError(f"{pattern!r}: only yyyy, MM, dd, HH, mm and ss are supported")
    return "".join(_JAVA_FIELDS.get(t, t.replace("%", "%%")) for t in tokens)


def object_key(
    prefix: str,
    stream: str,
    oldest_arrival: float,
    name: uuid.UUID,
    extension: str,
    *,
    error_output_type: str = "",
) -> str:
    """The key Firehose gives an object of ``stream`` whose oldest record arrived then."""
    stamp = datetime.fromtimestamp(oldest_arrival, UTC).strftime("%Y-%m-%d-%H-%M-%S")
    evaluated = evaluate_prefix(prefix, oldest_arrival, error_output_type)
    return f"{evaluated}{stream}-{STREAM_VERSION}-{stamp}-{name}{extension}"


def parquet_bytes(table: pa.Table) -> bytes:
    """The Parquet object of ``table``: Snappy-compressed pages, as Firehose's Parquet SerDe."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy")
    return bytes(sink.getvalue().to_pybytes())


@dataclass(frozen=True)
class FailedRecord:
    """A record format conversion rejected: its bytes, when it arrived, what was wrong."""

    data: bytes
    arrived_at: float
    sequence_number: str
    message: str


def error_documents(
    failed: Sequence[FailedRecord], *, database: str, table: str, attempt_ended: float
) -> bytes:
    """Firehose's error output for format conversion failures: one JSON document per record,
    newline-delimited."""
    catalog = {
        "catalogId": ACCOUNT,
        "databaseName": database,
        "tableName": table,
        "region": REGION,
        "versionId": "LATEST",
        "catalogArn": f"arn:aws:glue:{REGION}:{ACCOUNT}:catalog",
    }
    lines = [
        json.dumps(
            {
                "attemptsMade": 1,
                "arrivalTimestamp": epoch_millis(record.arrived_at),
                "ErrorCode": CONVERSION_ERROR_CODE,
                "ErrorMessage": record.message,
                "attemptEndingTimestamp": epoch_millis(attempt_ended),
                "rawData": base64.b64encode(record.data).decode("ascii"),
                "sequenceNumber": record.sequence_number,
                "subSequenceNumber": 0,
                "dataCatalogTable": catalog,
            },
            separators=(",", ":"),
        )
        for record in failed
    ]
    return "".join(f"{line}\n" for line in lines).encode()


def publish(lake: Path, key: str, data: bytes) -> None:
    """Make ``data`` the object ``key`` of the lake at ``lake``, atomically and durably: staged,
    flushed, renamed into place, the folder flushed. Writing the same key again replaces it."""
    target = lake / key
    staging = lake / STAGING
    _make_folders(staging)
    temporary = staging / f"{uuid.uuid4().hex}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        _make_folders(target.parent)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def clean_staging(lake: Path, older_than: float) -> int:
    """Remove staging files last written before ``older_than`` (epoch seconds): what killed
    writers left. Nothing reads them; how many were removed."""
    removed = 0
    folder = lake / STAGING
    if not folder.is_dir():
        return 0
    for path in folder.glob("*.tmp"):
        try:
            if path.stat().st_mtime < older_than:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another process cleaned it first
            continue
    return removed


def _make_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each new entry flushed to its parent."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
        _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
