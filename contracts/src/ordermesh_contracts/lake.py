"""The data lake's delivery streams, declared once for the CDK stack and the local runtime.

The platform manifest's ``[lake]`` section says how the lake is fed; this module turns it and the
contract catalog into the concrete streams: one Firehose delivery stream per event version, fed
by a rule with that version's pattern, writing Parquet with the version's Glue table schema under
``events/event=<Name>/version=<N>/date=<YYYY-MM-DD>/``. The CDK deploys exactly these streams and
rules and the local runtime runs exactly these, so the two cannot disagree on which events land
where.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from ordermesh_contracts.catalog import Catalog, EventKey
from ordermesh_contracts.lake_schema import columns, event_prefix, table_name
from ordermesh_contracts.manifest import Buffering, LakeSpec, ServiceManifest
from ordermesh_contracts.routing import version_pattern

DATE_PARTITION: Final = "date"
TIMESTAMP_DAY: Final = "!{timestamp:yyyy-MM-dd}"  # Firehose: the oldest record's arrival day
ERROR_OUTPUT_TYPE: Final = "!{firehose:error-output-type}"
FORMAT_CONVERSION_FAILED: Final = "format-conversion-failed"  # the error-output-type it takes
MAX_STREAM_NAME: Final = 64


@dataclass(frozen=True)
class DeliveryStream:
    """One event version's delivery stream and the rule that feeds it."""

    name: str  # the Firehose delivery stream's name
    rule: str  # the rule's name (without the unit's prefix)
    event: EventKey
    table: str  # its Glue table, in ``database``
    database: str
    prefix: str  # S3 prefix with Firehose's expressions: ``events/.../date=!{timestamp:...}/``
    error_output_prefix: str
    buffering: Buffering  # in AWS
    local_buffering: Buffering  # on the local runtime
    pattern: dict[str, Any]  # the rule's event pattern: exactly this event version
    columns: tuple[dict[str, str], ...]  # the Glue table's columns (the partition aside)

    @property
    def location(self) -> str:
        """The table's prefix in the bucket: its ``date=`` partitions sit below it."""
        return event_prefix(self.event.detail_type, self.event.version)


def lake_spec(manifests: Sequence[ServiceManifest]) -> tuple[ServiceManifest, LakeSpec] | None:
    """The manifest that declares the lake and its ``[lake]`` section (at most one may)."""
    found = [(m, m.lake) for m in manifests if m.lake is not None]
    if len(found) > 1:
        names = ", ".join(str(m.path or m.service.name) for m, _ in found)
        raise ValueError(f"[lake] is declared by more than one manifest: {names}")
    return next(((m, spec) for m, spec in found if spec is not None), None)


def delivery_streams(catalog: Catalog, spec: LakeSpec) -> list[DeliveryStream]:
    """One delivery stream per event version of ``catalog``, in the catalog's order."""
    streams = []
    for key, contract in sorted(catalog.contracts.items()):
        table = table_name(key.detail_type, key.version)
        prefix = event_prefix(key.detail_type, key.version)
        name = f"ordermesh-lake-{table.replace('_', '-')}"
        if len(name) > MAX_STREAM_NAME:
            raise ValueError(
                f"{key}: delivery stream name {name!r} is over {MAX_STREAM_NAME} characters"
            )
        streams.append(
            DeliveryStream(
                name=name,
                rule=f"lake-{table.replace('_', '-')}",
                event=key,
                table=table,
                database=spec.database,
                prefix=f"{prefix}{DATE_PARTITION}={TIMESTAMP_DAY}/",
                error_output_prefix=(
                    f"errors/{ERROR_OUTPUT_TYPE}/{prefix}{DATE_PARTITION}={TIMESTAMP_DAY}/"
                ),
                buffering=spec.buffering,
                local_buffering=spec.local_buffering,
                pattern=version_pattern(contract),
                columns=tuple(columns(contract.bundled)),
            )
        )
    return streams
