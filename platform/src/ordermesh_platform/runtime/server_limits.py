"""The limits the runtime's HTTP server holds against any client, whatever app it serves.

uvicorn's HTTP/1.1 protocol (httptools) is kept and given what it lacks: a deadline on each
phase of a request (the head from its first byte, the body from the head's end, a response the
client does not take), the size of the head and of the body counted as they arrive, and a cap on
open connections. A request past a limit is answered by the server itself with a problem
document (RFC 9457) and the connection is closed, so the rest of what the client sends is never
read: 408 (too slow), 413 (body too large, from its Content-Length before a byte of it is read,
or as soon as a chunked body passes the limit), 431 (head too large), 503 with Retry-After (too
many connections). The app sees a refused request's receive answer ``http.disconnect``.

A refused connection is closed as servers close one whose client may still be sending (nginx's
lingering close): the answer is followed by an end of file, what arrives meanwhile is read and
dropped, and the socket is closed when the client closes its side or ``LINGER_SECONDS`` later.
Closing at once with bytes unread makes the kernel reset the connection, and a reset can reach
the client before it has read the answer, which it then never sees.

Between requests (and before the first) a connection may stay idle for uvicorn's keep-alive
timeout; uvicorn arms it only after a response, so a connection that never sends a byte is
idle from the start here.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.server import ServerState

PROBLEM_JSON = b"application/problem+json"
LINGER_SECONDS = 2.0  # a refused connection's wait for its client to close

_TITLES = {  # RFC 9110's reason phrases
    408: "Request Timeout",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class ServerLimits:
    """What one client may take of the server. Times in seconds, sizes in bytes."""

    # API Gateway HTTP APIs' payload limit; each service's API refuses less (64 KB) itself.
    max_body_bytes: int = 10 * 1024 * 1024
    # API Gateway's limit on the request line and headers together.
    max_head_bytes: int = 10 * 1024
    head_timeout: float = 10.0  # the request line and headers, from the request's first byte
    body_timeout: float = 30.0  # the whole body, from the end of the head
    write_timeout: float = 30.0  # a response the client stopped taking, from when it stopped
    keep_alive_timeout: int = 5  # idle between requests and before the first (uvicorn's)
    max_connections: int = 1000  # open at once; a request on one more is a 503
    retry_after: int = 1  # seconds, on a 503

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                message = f"server limit {name} must be positive, not {value}"
                raise ValueError(message)


def problem_response(
    status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> bytes:
    """A whole HTTP/1.1 response carrying a problem document, closing the connection."""
    body = json.dumps(
        {"type": "about:blank", "title": _TITLES[status], "status": status, "detail": detail},
        separators=(",", ":"),
    ).encode()
    lines = [
        f"HTTP/1.1 {status} {_TITLES[status]}".encode(),
        b"content-type: " + PROBLEM_JSON,
        b"content-length: " + str(len(body)).encode(),
        b"connection: close",
        *(name + b": " + value for name, value in headers),
    ]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class _Timer:
    """One deadline of a connection, re-armed or cancelled as the request moves on."""

    def __init__(self, loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
        self._loop = loop
        self._callback = callback
        self._handle: asyncio.TimerHandle | None = None

    def arm(self, seconds: float) -> None:
        self.cancel()
        self._handle = self._loop.call_later(seconds, self._callback)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol holding ``ServerLimits`` (see the module's docstring)."""

    limits = ServerLimits()  # a subclass per server sets its own (``with_limits``)

    @classmethod
    def with_limits(cls, limits: ServerLimits) -> type[LimitedHttpToolsProtocol]:
        return type("LimitedHttpToolsProtocol", (cls,), {"limits": limits})

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head_timer = _Timer(self.loop, self._head_overdue)
        self._body_timer = _Timer(self.loop, self._body_overdue)
        self._write_timer = _Timer(self.loop, self._write_overdue)
        self._linger_timer = _Timer(self.loop, self._linger_over)
        self._in_head = True  # reading a request's head (or waiting for one)
        self._head_bytes = 0
        self._body_bytes = 0
        self._refused = False  # answered by a limit: nothing more is read
        self._answering = False  # ``self.cycle`` is the request being read's
        # A head ended or a message ended in the bytes being fed: not all of them were head.
        self._moved = False

    # --- the connection ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Idle until the first request, as between requests.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self._head_timer, self._body_timer, self._write_timer, self._linger_timer):
            timer.cancel()
        super().connection_lost(exc)

    def eof_received(self) -> None:
        if self._refused:  # the client closed its side after its refusal: done lingering
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._moved = False
        super().data_received(data)
        if self._in_head and not self._moved and not self._refused:  # all of it was head
            self._head_bytes += len(data)
            self._check_head()

    def pause_writing(self) -> None:
        super().pause_writing()
        self._write_timer.arm(self.limits.write_timeout)

    def resume_writing(self) -> None:
        self._write_timer.cancel()
        super().resume_writing()

    # --- the parser's callbacks --------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes, self._body_bytes = True, 0, 0
        self._answering = False
        self._head_timer.arm(self.limits.head_timeout)

    def on_url(self, url: bytes) -> None:
        if not self._refused:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._refused:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        self._in_head, self._moved = False, True
        self._head_timer.cancel()
        # The head's exact size, for a head that ended in the bytes just received.
        self._head_bytes = len(self.url) + sum(len(n) + len(v) for n, v in self.headers)
        if self._check_head():
            return
        declared = next((v for n, v in self.headers if n == b"content-length"), b"0").strip()
        if declared.isdigit() and int(declared) > self.limits.max_body_bytes:
            self._refuse(413, self._too_large(f"declared {int(declared)} bytes"))
            return
        if len(self.connections) > self.limits.max_connections:
            retry = (b"retry-after", str(self.limits.retry_after).encode())
            detail = f"the server has {self.limits.max_connections} connections open; try again"
            self._refuse(503, detail, (retry,))
            return
        self._body_timer.arm(self.limits.body_timeout)
        super().on_headers_complete()
        self._answering = True

    def on_body(self, body: bytes) -> None:
        if self._refused:
            return
        self._body_bytes += len(body)
        if self._body_bytes > self.limits.max_body_bytes:
            self._refuse(413, self._too_large(f"sent more than {self.limits.max_body_bytes}"))
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:
            return
        self._body_timer.cancel()
        self._in_head, self._head_bytes, self._moved = True, 0, True
        super().on_message_complete()

    # --- the limits --------------------------------------------------------------------------
    def _too_large(self, what: str) -> str:
        return f"the body is too large: {what}; at most {self.limits.max_body_bytes} are accepted"

    def _check_head(self) -> bool:
        if self._head_bytes <= self.limits.max_head_bytes:
            return False
        detail = (
            f"the request line and headers are over {self.limits.max_head_bytes} bytes "
            f"({self._head_bytes} so far)"
        )
        self._refuse(431, detail)
        return True

    def _head_overdue(self) -> None:
        detail = f"the request line and headers did not arrive within {self.limits.head_timeout} s"
        self._refuse(408, detail)

    def _body_overdue(self) -> None:
        detail = f"the body did not arrive within {self.limits.body_timeout} s"
        self._refuse(408, detail)

    def _write_overdue(self) -> None:
        """The client stopped taking the response: what is left of it is dropped."""
        self._refused = True
        self._abandon_cycle()
        self.transport.abort()

    def _abandon_cycle(self) -> bool:
        """Tell the app still answering on this connection that its client is gone; whether
        the connection is free for the server's own answer to the request being read (not if
        that request was answered, nor while an earlier one's answer is under way)."""
        cycle: RequestResponseCycle | None = self.cycle  # None before the first request
        if cycle is None:
            return True
        if cycle.response_complete:
            return not self._answering
        cycle.disconnected = True
        cycle.message_event.set()
        return self._answering and not cycle.response_started

    def _refuse(
        self, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()
    ) -> None:
        """Answer ``status`` (unless a response is under way) and close, lingering (see the
        module's docstring): nothing more of this connection is read."""
        self._refused = True
        for timer in (self._head_timer, self._body_timer):
            timer.cancel()
        if self.transport.is_closing():
            return
        if self._abandon_cycle():
            self.transport.write(problem_response(status, detail, headers))
        if not self.transport.can_write_eof():
            self.transport.close()
            return
        self.transport.write_eof()  # after the answer; what the client still sends is dropped
        self.transport.resume_reading()
        self._linger_timer.arm(LINGER_SECONDS)

    def _linger_over(self) -> None:
        self.transport.close()
