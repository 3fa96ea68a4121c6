"""The runtime's HTTP server holds its limits against any client (``runtime.server_limits``):
bodies and heads too large are refused as they arrive, a request too slow in any phase is let
go, a client that stops taking its answer is dropped, and connections past the cap get a 503,
each answered with a problem document and the connection closed."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from ordermesh_platform.runtime.server import BackgroundServer
from ordermesh_platform.runtime.server_limits import ServerLimits
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

LIMITS = ServerLimits(
    max_body_bytes=1000,
    max_head_bytes=2000,
    head_timeout=0.5,
    body_timeout=0.5,
    write_timeout=0.5,
    keep_alive_timeout=1,
    max_connections=4,
)
# uvloop's timers count from libuv's loop time, in milliseconds and read once per turn of the
# loop, so a deadline can fire that much before its exact second (0.9997 s was seen for 1 s).
TIMER_SLACK = 0.01
BIG = 32 * 1024 * 1024  # more than the kernel's buffers hold for a client that does not read


@dataclass
class App:
    bodies: list[bytes] = field(default_factory=list)
    started: list[str] = field(default_factory=list)

    async def echo(self, request: Request) -> Response:
        self.started.append(request.url.path)
        body = await request.body()
        self.bodies.append(body)
        return Response(str(len(body)), 200)

    async def big(self, _request: Request) -> Response:
        return Response(b"x" * BIG, 200)

    def asgi(self) -> Starlette:
        return Starlette(
            routes=[Route("/echo", self.echo, methods=["POST"]), Route("/big", self.big)]
        )


class Errors(logging.Handler):
    """What the server logs at ERROR (uvicorn's logger does not reach pytest's caplog)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def app() -> App:
    return App()


@pytest.fixture
def server(app: App) -> Iterator[BackgroundServer]:
    """The app served with ``LIMITS``; a test fails if the server logged an error."""
    served = BackgroundServer(app.asgi(), limits=LIMITS)  # configures uvicorn's loggers
    errors, logger = Errors(), logging.getLogger("uvicorn.error")
    logger.addHandler(errors)
    try:
        with served:
            yield served
    finally:
        logger.removeHandler(errors)
    assert [r.getMessage() for r in errors.records] == []


def _connect(server: BackgroundServer) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=5)


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, object]:
        assert self.headers["content-type"] == "application/problem+json"
        assert self.headers["connection"] == "close"
        document = json.loads(self.body)
        assert document["status"] == self.status
        return dict(document)


def _answer(received: bytes) -> Answer:
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return Answer(int(status_line.split()[1]), headers, body)


def _sent(server: BackgroundServer, *pieces: bytes) -> Answer:
    """The server's answer to ``pieces`` sent one after the other on a new connection, read
    until the server closes it."""
    with _connect(server) as sock:
        for piece in pieces:
            sock.sendall(piece)
        return _answer(_until_closed(sock))


def _wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.01)


def _post(server: BackgroundServer, body: bytes, *, chunked: bool = False) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        sent = iter([body]) if chunked else body
        connection.request("POST", "/echo", sent, encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- bodies ------------------------------------------------------------------------------------


def test_a_body_at_the_limit_is_served_declared_or_chunked(
    server: BackgroundServer, app: App
) -> None:
    assert _post(server, b"x" * 1000) == (200, b"1000")
    assert _post(server, b"y" * 1000, chunked=True) == (200, b"1000")
    assert app.bodies == [b"x" * 1000, b"y" * 1000]


def test_a_declared_length_over_the_limit_is_413_before_a_byte_of_the_body_is_sent(
    server: BackgroundServer, app: App
) -> None:
    answer = _sent(server, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
    assert answer.status == 413
    assert "declared 1000000000 bytes" in str(answer.problem()["detail"])
    assert app.started == []


def test_a_chunked_body_is_cut_off_with_413_as_soon_as_it_passes_the_limit(
    server: BackgroundServer, app: App
) -> None:
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"190\r\n" + b"z" * 400 + b"\r\n"
    answer = _sent(server, head, chunk, chunk, chunk)  # 1,200 bytes, and no last chunk
    assert answer.status == 413
    assert "at most 1000" in str(answer.problem()["detail"])
    assert app.bodies == []  # the app never got the body as if it were whole


def test_a_keep_alive_request_with_head_and_body_in_one_packet_counts_only_its_head(
    server: BackgroundServer,
) -> None:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
    try:
        for _ in range(4):  # 4,000 bytes of bodies through one connection: no limit passed
            connection.request("POST", "/echo", b"b" * 1000, {"X-Pad": "p" * 1500})
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b"1000")
    finally:
        connection.close()


# --- heads -------------------------------------------------------------------------------------


def test_a_head_over_the_limit_is_431(server: BackgroundServer, app: App) -> None:
    answer = _sent(server, b"GET /big HTTP/1.1\r\nHost: x\r\nX-Big: " + b"h" * 2100 + b"\r\n\r\n")
    assert answer.status == 431
    assert "over 2000 bytes" in str(answer.problem()["detail"])
    assert app.started == []


def test_a_head_that_never_ends_is_431_as_soon_as_it_passes_the_limit(
    server: BackgroundServer,
) -> None:
    pieces = [b"h" * 500] * 5  # no end of line, no end of head
    answer = _sent(server, b"GET /big HTTP/1.1\r\nHost: x\r\nX-Endless: ", *pieces)
    assert answer.status == 431


def test_a_client_still_sending_after_its_refusal_reads_the_answer(
    server: BackgroundServer,
) -> None:
    # Given a client whose head passed the limit, refused while it is still sending
    with _connect(server) as sock:
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\nX-Endless: " + b"h" * 3000)
        sock.settimeout(5)
        assert sock.recv(1, socket.MSG_PEEK)  # the answer is here: the server has refused
        # When it sends more (unread by the server), then reads
        sock.sendall(b"h" * 65536)
        time.sleep(0.05)  # the extra bytes reach the server before the client reads
        # Then it reads the whole answer and an end of file, not a reset
        answer = _answer(_until_closed(sock))
    assert answer.status == 431


# --- slow clients ------------------------------------------------------------------------------


def test_a_head_trickled_slower_than_its_deadline_is_408(server: BackgroundServer) -> None:
    began = time.monotonic()
    answer = _sent(server, b"GET /big HTTP/1.1\r\n", b"Host: x\r\n")  # and no more
    assert answer.status == 408
    assert "within 0.5 s" in str(answer.problem()["detail"])
    assert time.monotonic() - began >= LIMITS.head_timeout - TIMER_SLACK


def test_a_body_that_never_finishes_is_408_and_the_app_told_the_client_is_gone(
    server: BackgroundServer, app: App
) -> None:
    answer = _sent(
        server, b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this"
    )
    assert answer.status == 408
    assert "the body did not arrive within 0.5 s" in str(answer.problem()["detail"])
    assert app.started == ["/echo"]
    assert app.bodies == []


def test_a_connection_that_sends_nothing_is_closed_after_the_keep_alive_timeout(
    server: BackgroundServer,
) -> None:
    began = time.monotonic()  # before the connection: the server may accept it before we return
    with _connect(server) as sock:
        assert _until_closed(sock) == b""
    assert time.monotonic() - began >= LIMITS.keep_alive_timeout - TIMER_SLACK


def test_a_client_that_stops_reading_its_answer_is_dropped(server: BackgroundServer) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    with sock:
        sock.connect((server.host, server.port))
        sock.sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        _wait_until(lambda: server.open_connections() == 1)
        _wait_until(lambda: server.open_connections() == 0)  # without reading a byte
        received = len(_until_closed(sock))
    assert received < BIG


# --- connections -------------------------------------------------------------------------------


def test_a_request_on_a_connection_past_the_cap_is_503_with_retry_after(
    server: BackgroundServer,
) -> None:
    idle = [_connect(server) for _ in range(LIMITS.max_connections)]
    try:
        _wait_until(lambda: server.open_connections() == LIMITS.max_connections)
        answer = _sent(server, b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer.status == 503
        assert answer.headers["retry-after"] == "1"
        assert "4 connections open" in str(answer.problem()["detail"])
        idle.pop().close()
        _wait_until(lambda: server.open_connections() == LIMITS.max_connections - 1)
        assert _post(server, b"fits") == (200, b"4")
    finally:
        for sock in idle:
            sock.close()


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="server limit head_timeout must be positive, not 0"):
        ServerLimits(head_timeout=0)
