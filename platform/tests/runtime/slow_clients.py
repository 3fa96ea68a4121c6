"""Slow and stalled clients of an HTTP server, run as a child process by the load tests so that
their work does not share the server's interpreter (and its GIL).

    python slow_clients.py HOST PORT --tricklers N --stallers N --non-readers N --idle N

Tricklers send a request head a byte at a time, stallers a body a byte at a time after a
Content-Length far larger, non-readers ask for ``/big`` and never read, idle clients make one
request and keep the connection open. Once every connection is open and has sent its first
bytes the process prints ``ready``; it trickles a byte on each slow connection every 200 ms until
its standard input closes.
"""

from __future__ import annotations

import argparse
import select
import socket
import sys


def _connect(host: str, port: int, *, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(10)
    sock.connect((host, port))
    return sock


def _idle(host: str, port: int) -> socket.socket:
    sock = _connect(host, port)
    sock.sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = b""
    while not answer.endswith(b"ok"):
        received = sock.recv(4096)
        if not received:
            message = f"the server answered an idle client {answer!r} and closed"
            raise ConnectionError(message)
        answer += received
    return sock


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    for kind in ("tricklers", "stallers", "non-readers", "idle"):
        parser.add_argument(f"--{kind}", type=int, default=0)
    args = parser.parse_args()
    host, port = args.host, args.port
    slow: list[socket.socket] = []
    kept: list[socket.socket] = []
    for _ in range(args.tricklers):
        slow.append(_connect(host, port))
        slow[-1].sendall(b"GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    for _ in range(args.stallers):
        slow.append(_connect(host, port))
        slow[-1].sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nx")
    for _ in range(args.non_readers):
        kept.append(_connect(host, port, receive_buffer=4096))
        kept[-1].sendall(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
    kept.extend(_idle(host, port) for _ in range(args.idle))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while not select.select([sys.stdin], [], [], 0.2)[0]:
        for sock in slow:
            sock.sendall(b"s")
    for sock in slow + kept:
        sock.close()


if __name__ == "__main__":
    main()
