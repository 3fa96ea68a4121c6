"""The real clock, id source and product catalog."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from order_service.adapters.ports import Catalog, Clock, Ids

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as ULIDs spell it


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class UlidIds(Ids):
    """``ord_`` and a ULID: 26 characters, sortable by creation time, 80 random bits."""

    def order_id(self) -> str:
        value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
        text = "".join(_ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5))
        return f"ord_{text}"

    def event_id(self) -> str:
        return str(uuid.uuid4())


class FileCatalog(Catalog):
    """The SKUs of a product catalog file (``{"items": [{"sku": ...}, ...]}``), read once."""

    def __init__(self, path: Path) -> None:
        try:
            items = json.loads(path.read_text(encoding="utf-8"))["items"]
            self._skus = frozenset(str(item["sku"]) for item in items)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            message = f"cannot read the product catalog {path}: {exc}"
            raise ValueError(message) from exc

    def known(self, sku: str) -> bool:
        return sku in self._skus
