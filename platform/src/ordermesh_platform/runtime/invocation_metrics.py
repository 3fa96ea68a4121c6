"""Powertools' metrics per invocation: each handler invocation has its own metric set, as each
Lambda execution environment has.

Powertools' ``Metrics`` keeps the metric set, dimensions, metadata and default dimensions of all
its instances in class attributes (``Metrics._metrics`` and the like), which every instance and
its ``AmazonCloudWatchEMFProvider`` hold as ``metric_set``, ``dimension_set``, ``metadata_set``
and ``default_dimensions``; the provider also keeps its extra dimension sets and its timestamp.
In Lambda one process serves one function, one invocation at a time. Here every function runs
in one process, on threads: two invocations at once added to, serialised and cleared one set,
so one function's metrics and dimensions went out in another's EMF line, or nowhere, and a
flush that met the other's state raised (the order API answered 500 for an order it had stored).

``install()`` (the runtime calls it when it starts) puts a data descriptor on ``Metrics`` and
on ``AmazonCloudWatchEMFProvider`` for each of those attributes. Outside an invocation it reads
and writes what the instance holds, as before: what a handler module sets at import time
(namespace, service, default dimensions) is where every invocation starts. Inside ``scope()``
(the runtime runs each handler call in one) the first read of a container gives a deep copy of
it, used until the invocation ends; instances that hold one container (all ``Metrics``) share
its copy, as they share the container. A timestamp set during an invocation stays in it.

``install()`` checks the classes first: a class-level container it does not know of (shared
state it would leave shared), an attribute a probe instance has that it does not know of, or an
attribute it would shadow, means powertools changed shape, and it raises
``MetricsLayoutError`` rather than isolate only part of the state.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)
from aws_lambda_powertools.shared.version import VERSION

CONTAINERS = ("metric_set", "dimension_set", "metadata_set", "default_dimensions")
# What each class keeps per invocation, and what else an instance may hold (configuration).
PER_INVOCATION: dict[type, tuple[str, ...]] = {
    Metrics: CONTAINERS,
    AmazonCloudWatchEMFProvider: (*CONTAINERS, "dimension_sets", "timestamp"),
}
CONFIGURATION: dict[type, frozenset[str]] = {
    Metrics: frozenset({"provider"}),
    AmazonCloudWatchEMFProvider: frozenset(
        {
            "namespace",
            "service",
            "function_name",
            "_metric_units",
            "_metric_unit_valid_options",
            "_metric_resolutions",
        }
    ),
}
SHARED_CONTAINERS = frozenset({"_metrics", "_dimensions", "_metadata", "_default_dimensions"})


class MetricsLayoutError(RuntimeError):
    """Powertools' metrics classes are not the shape ``install()`` was written for."""


class _Invocation:
    """One invocation's state: its copy of each container (by the identity of the container
    held outside it, kept alive beside it), the container each copy stands for, and the
    scalars it set (by instance and name)."""

    __slots__ = ("copies", "originals", "scalars")

    def __init__(self) -> None:
        self.copies: dict[int, tuple[Any, Any]] = {}
        self.originals: dict[int, Any] = {}
        self.scalars: dict[tuple[int, str], tuple[object, Any]] = {}

    def copy_of(self, held: Any) -> Any:
        entry = self.copies.get(id(held))
        if entry is None:
            if id(held) in self.originals:  # a copy already: made in this invocation
                return held
            entry = self.copies[id(held)] = (held, copy.deepcopy(held))
            self.originals[id(entry[1])] = held
        return entry[1]


_STATE: ContextVar[_Invocation | None] = ContextVar("invocation_metrics", default=None)
_LOCK = threading.Lock()


class _PerInvocation:
    """The attribute ``name``: what the instance holds outside an invocation, the invocation's
    own copy of it inside one. A container is bound (assigned) only when an instance is made,
    to the container outside the invocation even when the instance is made inside one."""

    def __init__(self, name: str, *, container: bool) -> None:
        self.name = name
        self.container = container

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            held = instance.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None
        invocation = _STATE.get()
        if invocation is None:
            return held
        if self.container:
            return invocation.copy_of(held)
        return invocation.scalars.get((id(instance), self.name), (instance, held))[1]

    def __set__(self, instance: object, value: Any) -> None:
        invocation = _STATE.get()
        if invocation is None:
            instance.__dict__[self.name] = value
        elif self.container:
            instance.__dict__[self.name] = invocation.originals.get(id(value), value)
        elif self.name not in instance.__dict__:  # made in this invocation
            instance.__dict__[self.name] = value
        else:
            invocation.scalars[(id(instance), self.name)] = (instance, value)


@contextmanager
def scope() -> Iterator[None]:
    """Run the block as one invocation: the metrics state it changes is its own."""
    token = _STATE.set(_Invocation())
    try:
        yield
    finally:
        _STATE.reset(token)


def install() -> None:
    """Give each invocation its own metrics state (see the module); checks powertools' shape
    each time, puts the descriptors in place once."""
    with _LOCK:
        _check_classes()
        placed = []
        for cls, names in PER_INVOCATION.items():
            for name in names:
                if name not in vars(cls):
                    descriptor = _PerInvocation(name, container=name != "timestamp")
                    setattr(cls, name, descriptor)
                    placed.append((cls, name))
        try:
            _check_instances()
        except BaseException:
            for cls, name in placed:
                delattr(cls, name)
            raise


def _changed(what: str) -> MetricsLayoutError:
    return MetricsLayoutError(
        f"aws-lambda-powertools {VERSION}: {what}; the runtime cannot give each invocation its "
        "own metrics (see ordermesh_platform.runtime.invocation_metrics)"
    )


def _check_classes() -> None:
    for cls, names in PER_INVOCATION.items():
        for klass in cls.__mro__[:-1]:  # not object
            own = vars(klass)
            shared = {
                name
                for name, value in own.items()
                if isinstance(value, dict | list | set)
                and name not in SHARED_CONTAINERS
                and not name.startswith("__")  # __annotations__
            }
            if shared:
                raise _changed(f"{klass.__name__} has class-level state {sorted(shared)}")
            taken = [n for n in names if n in own and not isinstance(own[n], _PerInvocation)]
            if taken:
                raise _changed(f"{klass.__name__} defines {taken} on the class")
    missing = SHARED_CONTAINERS - set(vars(Metrics))
    if missing:
        raise _changed(f"Metrics no longer has {sorted(missing)}")


def _check_instances() -> None:
    """In a throwaway invocation: the probes hold only known attributes, and a metric added
    there is not in the shared set."""
    with scope():
        probe = Metrics(namespace="ordermesh-probe", service="probe")
        for instance in (probe, probe.provider):
            cls = type(instance)
            if cls not in PER_INVOCATION:
                raise _changed(f"Metrics' provider is a {cls.__name__}")
            held = set(vars(instance))
            required = set(CONTAINERS)
            unknown = held - set(PER_INVOCATION[cls]) - CONFIGURATION[cls]
            if unknown or not required <= held:
                what = f"unknown {sorted(unknown)}, missing {sorted(required - held)}"
                raise _changed(f"a {cls.__name__} holds other attributes ({what})")
        probe.add_metric(name="ProbeIsolation", unit=MetricUnit.Count, value=1)
        seen_inside = "ProbeIsolation" in probe.provider.metric_set
    if not seen_inside or "ProbeIsolation" in vars(probe)["metric_set"]:
        raise _changed("a metric added in an invocation is not kept apart from the shared set")
