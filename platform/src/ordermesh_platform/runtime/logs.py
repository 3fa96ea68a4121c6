"""Function logs: what a handler prints goes to its own log file, as Lambda sends a function's
standard output and error to its CloudWatch log group.

Handlers share one process here, so the runtime puts a router in place of ``sys.stdout`` and
``sys.stderr``: a thread running a handler writes to ``<state>/logs/<function>.log``; every
other thread writes where it wrote before. Powertools' Logger and its EMF metrics print to
standard output, so their lines land in the function's file, and the console stays for the
runtime's own messages. A file past its size limit moves to ``<function>.log.1`` at the end of
a line (one kept).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

MAX_LOG_BYTES = 10 * 1024 * 1024


class _LogFile:
    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._size = path.stat().st_size

    def write(self, text: str) -> None:
        with self._lock:
            if self._file.closed:
                return
            self._file.write(text)
            self._file.flush()
            self._size += len(text)
            if self._size >= self.max_bytes and text.endswith("\n"):  # whole lines only
                self._file.close()
                self.path.replace(self.path.with_name(self.path.name + ".1"))
                self._file = self.path.open("a", encoding="utf-8")
                self._size = 0

    def close(self) -> None:
        with self._lock:
            self._file.close()


class _Router:
    """Stands in for ``sys.stdout`` or ``sys.stderr``: a capturing thread's text goes to its
    log file, anyone else's to the stream that was there before."""

    def __init__(self, local: threading.local, name: str) -> None:
        self._local = local
        self._name = name
        self.fallback: TextIO | None = None

    def _target(self) -> _LogFile | TextIO:
        log: _LogFile | None = getattr(self._local, "log", None)
        if log is not None:
            return log
        return self.fallback or getattr(sys, f"__{self._name}__")

    def write(self, text: str) -> int:
        self._target().write(text)
        return len(text)

    def flush(self) -> None:
        target = self._target()
        if not isinstance(target, _LogFile):
            target.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "utf-8"


class _Routing:
    """The routers, in place while at least one ``FunctionLogs`` is open (process-wide)."""

    def __init__(self) -> None:
        self.local = threading.local()  # ``log``: the capturing thread's file
        self.routers = {name: _Router(self.local, name) for name in ("stdout", "stderr")}
        self._users = 0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            if self._users == 0:
                for name, router in self.routers.items():
                    router.fallback = getattr(sys, name)
                    setattr(sys, name, router)
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                for name, router in self.routers.items():
                    if getattr(sys, name) is router:  # unless someone replaced it since
                        setattr(sys, name, router.fallback)


_ROUTING = _Routing()


class FunctionLogs:
    """The log files of one runtime's functions, under ``directory``."""

    def __init__(self, directory: Path, max_bytes: int = MAX_LOG_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._files: dict[str, _LogFile] = {}
        self._lock = threading.Lock()
        self._open = False

    def path(self, function: str) -> Path:
        return self.directory / f"{function}.log"

    def open(self) -> None:
        """Route handler output to the log files (until ``close``)."""
        if not self._open:
            _ROUTING.acquire()
            self._open = True

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        _ROUTING.release()
        with self._lock:
            for log in self._files.values():
                log.close()
            self._files.clear()

    @contextmanager
    def capture(self, function: str) -> Iterator[None]:
        """While the block runs, this thread's output goes to ``function``'s log."""
        if not self._open:
            yield
            return
        with self._lock:
            log = self._files.get(function)
            if log is None:
                log = self._files[function] = _LogFile(self.path(function), self.max_bytes)
        local = _ROUTING.local
        previous = getattr(local, "log", None)
        local.log = log
        try:
            yield
        finally:
            local.log = previous
