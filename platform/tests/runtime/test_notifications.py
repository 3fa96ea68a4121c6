"""Store notifications: a listener hears of work once the transaction that made it commits,
never of a rolled-back one; queues, invokes and executions announce their work."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from ordermesh_platform.runtime.functions import INVOCATIONS_CHANNEL, Functions, FunctionSettings
from ordermesh_platform.runtime.queues import Queues, queue_channel
from ordermesh_platform.shared.clock import ManualClock
from ordermesh_platform.shared.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "runtime.sqlite3")


def test_a_notice_inside_a_transaction_is_heard_when_it_commits(store: Store) -> None:
    heard = store.listen(["queue:orders"], threading.Event())
    with store.write():
        store.notify("queue:orders")
        assert not heard.is_set()  # the work is not visible to others yet
    assert heard.is_set()


def test_a_rolled_back_transaction_announces_nothing(store: Store) -> None:
    heard = store.listen(["queue:orders"], threading.Event())

    def fail() -> None:
        with store.write():
            store.notify("queue:orders")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert not heard.is_set()
    with store.write():  # and the dropped notice does not leak into the next transaction
        pass
    assert not heard.is_set()


def test_a_notice_outside_a_transaction_is_heard_at_once(store: Store) -> None:
    heard = store.listen(["invocations"], threading.Event())
    other = store.listen(["queue:orders"], threading.Event())
    store.notify("invocations")
    assert heard.is_set()
    assert not other.is_set()


def test_one_listener_may_hear_several_channels(store: Store) -> None:
    heard = store.listen(["a", "b"], threading.Event())
    store.notify("b")
    assert heard.is_set()


def test_a_message_sent_now_announces_its_queue_and_a_delayed_one_does_not(store: Store) -> None:
    queues = Queues(store, ManualClock(1000.0))
    queues.create("orders")
    heard = store.listen([queue_channel("orders")], threading.Event())
    queues.send("orders", "{}", delay_seconds=30)
    assert not heard.is_set()  # nobody can receive it before its delay ends
    queues.send("orders", "{}")
    assert heard.is_set()


def test_an_async_invoke_announces_the_invoker(store: Store) -> None:
    clock = ManualClock(1000.0)
    functions = Functions(store, clock, Queues(store, clock))
    functions.register("f", FunctionSettings(handler="m:f"), lambda _e, _c: None)
    heard = store.listen([INVOCATIONS_CHANNEL], threading.Event())
    with store.write() as conn:
        functions.invoke_async("f", "{}", conn=conn)
        assert not heard.is_set()
    assert heard.is_set()


def test_a_listener_taken_away_hears_nothing_more(store: Store) -> None:
    heard = store.listen(["a", "b"], threading.Event())
    store.unlisten(heard)
    store.notify("a")
    store.notify("b")
    assert not heard.is_set()
