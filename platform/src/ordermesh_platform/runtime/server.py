"""Serving the runtime's HTTP endpoints with uvicorn, in a background thread or the foreground,
holding the server's limits (``runtime.server_limits``)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Self

import uvicorn
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from ordermesh_platform.runtime.server_limits import LimitedHttpToolsProtocol, ServerLimits


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """libuv's event loop (uvloop), which spends less CPU per request than asyncio's own."""
    try:
        import uvloop  # absent on Windows
    except ImportError:  # pragma: no cover
        return None
    return uvloop.new_event_loop


def _quiet_disconnects(app: ASGIApp) -> ASGIApp:
    """``app``, for which a client gone before its body was read (or let go by a limit) is not
    an error to log: there is no one to answer."""

    async def served(scope: Scope, receive: Receive, send: Send) -> None:
        with contextlib.suppress(ClientDisconnect):
            await app(scope, receive, send)

    return served


class BackgroundServer:
    """Serve an ASGI app on loopback from a daemon thread; ``port=0`` picks a free port."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: ServerLimits | None = None,
    ) -> None:
        self.limits = limits or ServerLimits()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this. asyncio turns Nagle off itself only for sockets made
        # with proto=IPPROTO_TCP; without it every response waits ~40 ms for a delayed ACK.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            _quiet_disconnects(app),
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=LimitedHttpToolsProtocol.with_limits(self.limits),
            timeout_keep_alive=self.limits.keep_alive_timeout,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="ordermesh:http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def open_connections(self) -> int:
        """How many client connections are open now."""
        return len(self._server.server_state.connections)

    def _run(self) -> None:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(self._server.serve(sockets=[self._socket]))

    def start(self, timeout: float = 10.0) -> Self:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                message = f"the HTTP server on {self.url} did not start"
                raise RuntimeError(message)
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (a server never started just lets its port go)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
