"""Powertools' logger keys per invocation: each handler invocation logs with its own request id,
correlation id and appended keys, as each Lambda execution environment does.

Powertools' ``Logger`` keeps its structured keys (the Lambda context's that
``inject_lambda_context`` adds, the correlation id, what a handler passes to ``append_keys``) in
the ``log_format`` dict of its ``LambdaPowertoolsFormatter``. That formatter sits on the handler
of the ``logging`` logger named after the service, so every ``Logger`` of one service shares it:
here, every function of the service (the order API and its saga events handler), in one process,
on threads. Two invocations at once wrote their keys into one dict, so a line went out with the
other invocation's request id and keys, and ``clear_state`` in one wiped the other's. The keys
``thread_safe_append_keys`` adds live in a context variable of the handler thread instead, and
handler threads are reused: they stayed for whatever that thread ran next, any function's.

``install()`` (the runtime calls it when it starts) puts a data descriptor on
``LambdaPowertoolsFormatter`` for ``log_format``. Outside an invocation it reads and writes what
the formatter holds, as before: what a handler module sets at import time (``Logger(service=...)``
and keys it appends) is where every invocation starts. Inside ``scope()`` (the runtime runs each
handler call in one) the first read gives a copy of the dict, used until the invocation ends, and
an assignment (``clear_state``) replaces that copy; a formatter made in the invocation (a Logger
first configured there) keeps the invocation's keys on itself. ``scope()`` also gives the
invocation empty thread-local keys, and puts the thread's back when it ends.

``install()`` checks powertools first: a class-level container on the formatter or ``Logger``
(shared state it would leave shared), ``log_format`` defined on a class, or an attribute a probe
formatter or ``Logger`` holds that it does not know of means powertools changed shape; then a
probe ``Logger`` appends keys (to the formatter and to the thread) in a throwaway invocation,
which must be in its lines there and nowhere after it. Otherwise it raises
``LoggingLayoutError`` rather than isolate only part of the keys.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import formatter as powertools_formatter
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.shared.version import VERSION

NAME = "log_format"
# What else a formatter or a Logger may hold: configuration, set when it is made.
CONFIGURATION: dict[type, frozenset[str]] = {
    LambdaPowertoolsFormatter: frozenset(
        {
            "_fmt",
            "_style",
            "converter",
            "datefmt",
            "json_default",
            "json_deserializer",
            "json_indent",
            "json_serializer",
            "keys_combined",  # what clear_state starts from: the keys the formatter was made with
            "log_record_order",
            "serialize_stacktrace",
            "update_formatter",  # the bound append_keys
            "use_datetime_directive",
            "use_rfc3339_iso8601",
            "utc",
        }
    ),
    Logger: frozenset(
        {
            "_buffer_cache",
            "_buffer_config",
            "_default_log_keys",
            "_is_deduplication_disabled",
            "_logger",
            "_stream",
            "child",
            "initial_log_level",
            "log_uncaught_exceptions",
            "logger_formatter",
            "logger_handler",
            "sampling_rate",
            "service",
        }
    ),
}
PROBE_SERVICE = "ordermesh-invocation-logging-probe"


class LoggingLayoutError(RuntimeError):
    """Powertools' logger is not the shape ``install()`` was written for."""


class _Invocation:
    """One invocation's keys: its copy of each formatter's dict (by the formatter's identity,
    kept alive beside it), and the formatters made in it, which hold their own."""

    __slots__ = ("born", "keys")

    def __init__(self) -> None:
        self.keys: dict[int, tuple[object, dict[str, Any]]] = {}
        self.born: dict[int, object] = {}


_STATE: ContextVar[_Invocation | None] = ContextVar("invocation_logging", default=None)
_LOCK = threading.Lock()


class _LogFormat:
    """A formatter's ``log_format``: what the formatter holds outside an invocation, the
    invocation's own copy of it inside one."""

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            held: dict[str, Any] = instance.__dict__[NAME]
        except KeyError:
            raise AttributeError(NAME) from None
        invocation = _STATE.get()
        if invocation is None or id(instance) in invocation.born:
            return held
        entry = invocation.keys.get(id(instance))
        if entry is None:
            entry = invocation.keys[id(instance)] = (instance, dict(held))
        return entry[1]

    def __set__(self, instance: object, value: dict[str, Any]) -> None:
        invocation = _STATE.get()
        if invocation is None or id(instance) in invocation.born:
            instance.__dict__[NAME] = value
        elif NAME not in instance.__dict__:  # made in this invocation
            invocation.born[id(instance)] = instance
            instance.__dict__[NAME] = value
        else:
            invocation.keys[id(instance)] = (instance, value)


@contextmanager
def scope() -> Iterator[None]:
    """Run the block as one invocation: the logger keys it changes are its own."""
    token = _STATE.set(_Invocation())
    thread_keys = powertools_formatter.THREAD_LOCAL_KEYS.set({})
    try:
        yield
    finally:
        powertools_formatter.THREAD_LOCAL_KEYS.reset(thread_keys)
        _STATE.reset(token)


def install() -> None:
    """Give each invocation its own logger keys (see the module); checks powertools' shape each
    time, puts the descriptor in place once."""
    with _LOCK:
        _check_classes()
        placed = NAME not in vars(LambdaPowertoolsFormatter)
        if placed:
            setattr(LambdaPowertoolsFormatter, NAME, _LogFormat())
        try:
            _check_instances()
        except BaseException:
            if placed:
                delattr(LambdaPowertoolsFormatter, NAME)
            raise


def _changed(what: str) -> LoggingLayoutError:
    return LoggingLayoutError(
        f"aws-lambda-powertools {VERSION}: {what}; the runtime cannot give each invocation its "
        "own logger keys (see ordermesh_platform.runtime.invocation_logging)"
    )


def _check_classes() -> None:
    for cls in (LambdaPowertoolsFormatter, Logger):
        for klass in cls.__mro__[:-1]:  # not object
            own = vars(klass)
            shared = {
                name
                for name, value in own.items()
                if isinstance(value, dict | list | set) and not name.startswith("__")
            }
            if shared:
                raise _changed(f"{klass.__name__} has class-level state {sorted(shared)}")
            if NAME in own and not isinstance(own[NAME], _LogFormat):
                raise _changed(f"{klass.__name__} defines {NAME!r} on the class")
    thread_keys = getattr(powertools_formatter, "THREAD_LOCAL_KEYS", None)
    if not isinstance(thread_keys, ContextVar):
        raise _changed("the formatter module has no THREAD_LOCAL_KEYS context variable")


def _check_instances() -> None:
    """A new formatter and a probe Logger (configured once per process, writing to a buffer; it
    never logs) hold only known attributes, and keys appended in a throwaway invocation are in
    its lines there, cleared by ``clear_state`` there, and nowhere after it."""
    probe = Logger(service=PROBE_SERVICE, stream=io.StringIO())
    if type(probe.registered_formatter) is not LambdaPowertoolsFormatter:
        raise _changed(f"the Logger's formatter is a {type(probe.registered_formatter).__name__}")
    for instance in (probe, LambdaPowertoolsFormatter(service=PROBE_SERVICE)):
        cls = type(instance)
        required = {NAME} if cls is LambdaPowertoolsFormatter else set()
        held = set(vars(instance))
        unknown = held - required - CONFIGURATION[cls]
        if unknown or not required <= held:
            what = f"unknown {sorted(unknown)}, missing {sorted(required - held)}"
            raise _changed(f"a {cls.__name__} holds other attributes ({what})")

    formatter = probe.registered_formatter
    record = logging.LogRecord(PROBE_SERVICE, logging.INFO, __file__, 0, "probe", None, None)
    probe_keys = {"probe_key": "inside", "probe_thread_key": "inside"}
    outside = dict(probe.get_current_keys())
    before = json.loads(formatter.format(record))
    with scope():
        probe.append_keys(probe_key="inside")
        probe.thread_safe_append_keys(probe_thread_key="inside")
        inside = json.loads(formatter.format(record))
    after = json.loads(formatter.format(record))
    with scope():
        probe.append_keys(probe_key="inside")
        probe.thread_safe_append_keys(probe_thread_key="inside")
        probe.structure_logs()  # what inject_lambda_context(clear_state=True) does first
        cleared = json.loads(formatter.format(record))
    if {k: inside.get(k) for k in probe_keys} != probe_keys or set(probe_keys) & set(cleared):
        raise _changed("keys appended in an invocation do not reach its lines as they should")
    if after != before or probe.get_current_keys() != outside:
        raise _changed("keys appended in an invocation are not kept apart from the shared keys")
