"""The store ports' promises, checked against every implementation: in memory, SQLite (a file in
a temporary folder) and DynamoDB (moto). Compare-and-set wins and losses on the breaker, one
payment per order, updates conditional on the version read, missing items."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
from payment_service.adapters.dynamodb import (
    DynamoDbBreakerStateStore,
    DynamoDbPaymentRepository,
    create_table,
)
from payment_service.adapters.memory import (
    FakeClock,
    FakeProvider,
    FakeSleep,
    InMemoryBreakerStateStore,
    InMemoryPaymentRepository,
    ScriptedRandom,
)
from payment_service.adapters.ports import BreakerStateStore, PaymentRepository, Versioned
from payment_service.adapters.sqlite import SqliteDatabase
from payment_service.domain import ids
from payment_service.domain.breaker import CLOSED, BreakerPolicy, BreakerState, BreakerStatus
from payment_service.domain.commands import AuthorizePayment, RefundPayment, RefundReason
from payment_service.domain.errors import PaymentConflictError, ProviderUnavailableError
from payment_service.domain.events import DeclineCode, PaymentAuthorized, PaymentRefunded
from payment_service.domain.model import Decline, Payment, PaymentStatus
from payment_service.domain.money import Money
from payment_service.domain.retry import RetryPolicy
from payment_service.service_layer.authorize_payment import authorize_payment
from payment_service.service_layer.breaker import CircuitBreaker
from payment_service.service_layer.refund_payment import refund_payment
from payment_service.service_layer.resilience import Resilience

ORDER = "ord_01JDK2V9N4RY"
AMOUNT = Money(Decimal("214.00"), "EUR")
OPENED_AT = datetime(2026, 11, 24, 12, 0, 30, tzinfo=UTC)


@dataclass
class Stores:
    payments: PaymentRepository
    breakers: BreakerStateStore


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    if request.param == "memory":
        yield Stores(InMemoryPaymentRepository(), InMemoryBreakerStateStore())
    elif request.param == "sqlite":
        db = SqliteDatabase(tmp_path / "payment.sqlite3")
        yield Stores(db.payments, db.breakers)
        db.close()
    else:
        region = request.getfixturevalue("aws")
        client = boto3.client("dynamodb", region_name=region)
        create_table(client, "payment")
        yield Stores(
            DynamoDbPaymentRepository(client, "payment"),
            DynamoDbBreakerStateStore(client, "payment"),
        )


def _authorize_command(order_id: str = ORDER, amount: Money = AMOUNT) -> AuthorizePayment:
    return AuthorizePayment(order_id, "cus_7Hq2Lk9P", amount, "res_01JDK2V7B3MX")


def _refund_command(order_id: str = ORDER, amount: Money = AMOUNT) -> RefundPayment:
    return RefundPayment(
        order_id, ids.payment_id_for(order_id), amount, RefundReason.SAGA_COMPENSATION
    )


def _authorized(order_id: str = ORDER) -> Payment:
    return Payment.authorized(_authorize_command(order_id), "fakepay", "auth_000001")


# PaymentRepository


def test_a_missing_payment_reads_as_none(stores: Stores) -> None:
    assert stores.payments.get(ORDER) is None


def test_an_added_payment_reads_back_equal_at_version_1(stores: Stores) -> None:
    payment = _authorized()

    stores.payments.add(payment)

    assert payment.version == 1
    assert stores.payments.get(ORDER) == payment
    assert stores.payments.get("ord_OTHER00001") is None


@pytest.mark.parametrize(
    "payment",
    [
        pytest.param(_authorized(), id="authorized"),
        pytest.param(
            Payment.declined(
                _authorize_command(),
                "fakepay",
                Decline(DeclineCode.INSUFFICIENT_FUNDS, "Insufficient funds (ü, €)."),
            ),
            id="declined",
        ),
        pytest.param(Payment.voided(_refund_command(), "fakepay"), id="voided"),
    ],
)
def test_every_kind_of_payment_reads_back_equal(stores: Stores, payment: Payment) -> None:
    stores.payments.add(payment)

    stored = stores.payments.get(ORDER)

    assert stored == payment
    assert stored is not None
    assert stored.amount.text() == payment.amount.text()  # "214.00" stays "214.00"
    if stored.refund is not None:
        assert stored.refund.amount.text() == "0.00"
        assert stored.refund.provider_reference is None


def test_an_order_gets_one_payment_only(stores: Stores) -> None:
    stores.payments.add(_authorized())
    second = Payment.voided(_refund_command(), "fakepay")

    with pytest.raises(PaymentConflictError):
        stores.payments.add(second)

    stored = stores.payments.get(ORDER)
    assert stored is not None
    assert stored.status is PaymentStatus.AUTHORIZED
    assert second.version == 0


def test_an_update_of_the_version_read_is_stored_and_bumps_the_version(stores: Stores) -> None:
    stores.payments.add(_authorized())
    payment = stores.payments.get(ORDER)
    assert payment is not None
    payment.refunded(_refund_command(), "re_000001")

    stores.payments.update(payment)

    assert payment.version == 2
    stored = stores.payments.get(ORDER)
    assert stored == payment
    assert stored is not None
    assert stored.status is PaymentStatus.REFUNDED
    assert stored.refund is not None
    assert stored.refund.provider_reference == "re_000001"


def test_of_two_updates_from_the_same_read_only_the_first_is_stored(stores: Stores) -> None:
    stores.payments.add(_authorized())
    mine, theirs = stores.payments.get(ORDER), stores.payments.get(ORDER)
    assert mine is not None
    assert theirs is not None
    theirs.refunded(_refund_command(), "re_theirs")
    mine.refunded(_refund_command(), "re_mine")

    stores.payments.update(theirs)
    with pytest.raises(PaymentConflictError):
        stores.payments.update(mine)

    assert mine.version == 1
    stored = stores.payments.get(ORDER)
    assert stored is not None
    assert stored.refund is not None
    assert stored.refund.provider_reference == "re_theirs"
    assert stored.version == 2


def test_an_update_of_a_payment_never_added_is_a_conflict(stores: Stores) -> None:
    payment = _authorized()
    payment.version = 1

    with pytest.raises(PaymentConflictError):
        stores.payments.update(payment)

    assert stores.payments.get(ORDER) is None


# BreakerStateStore


def test_a_breaker_never_stored_is_closed_at_version_0(stores: Stores) -> None:
    assert stores.breakers.get("payment-provider") == Versioned(CLOSED, 0)


def test_the_first_put_at_version_0_wins_and_the_second_loses(stores: Stores) -> None:
    first = BreakerState(BreakerStatus.CLOSED, failures=1)
    second = BreakerState(BreakerStatus.CLOSED, failures=2)

    assert stores.breakers.put("b", first, expected_version=0) == 1
    assert stores.breakers.put("b", second, expected_version=0) is None
    assert stores.breakers.get("b") == Versioned(first, 1)


def test_a_put_at_the_current_version_wins_and_a_stale_one_loses(stores: Stores) -> None:
    opened = BreakerState(BreakerStatus.OPEN, failures=3, since=OPENED_AT)
    stores.breakers.put("b", BreakerState(failures=2), expected_version=0)

    assert stores.breakers.put("b", opened, expected_version=1) == 2
    assert stores.breakers.put("b", CLOSED, expected_version=1) is None
    assert stores.breakers.put("b", CLOSED, expected_version=3) is None
    assert stores.breakers.get("b") == Versioned(opened, 2)


def test_a_put_expecting_a_stored_breaker_that_is_missing_loses(stores: Stores) -> None:
    assert stores.breakers.put("b", CLOSED, expected_version=4) is None
    assert stores.breakers.get("b") == Versioned(CLOSED, 0)


def test_of_two_writers_who_read_the_same_version_the_second_loses(stores: Stores) -> None:
    stores.breakers.put("b", BreakerState(failures=1), expected_version=0)
    mine, theirs = stores.breakers.get("b"), stores.breakers.get("b")

    theirs_won = stores.breakers.put("b", BreakerState(failures=2), theirs.version)
    mine_won = stores.breakers.put("b", BreakerState(failures=5), mine.version)

    assert (theirs_won, mine_won) == (2, None)
    assert stores.breakers.get("b") == Versioned(BreakerState(failures=2), 2)


@pytest.mark.parametrize(
    "state",
    [
        BreakerState(BreakerStatus.OPEN, failures=5, since=OPENED_AT),
        BreakerState(BreakerStatus.HALF_OPEN, failures=5, since=OPENED_AT, trials=2),
        BreakerState(
            BreakerStatus.OPEN,
            failures=1,
            since=datetime(2026, 11, 24, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1))),
        ),
        BreakerState(BreakerStatus.CLOSED, failures=0, since=None),
    ],
    ids=["open", "half-open", "offset", "closed"],
)
def test_every_breaker_state_reads_back_equal(stores: Stores, state: BreakerState) -> None:
    stores.breakers.put("b", state, expected_version=0)

    assert stores.breakers.get("b") == Versioned(state, 1)


def test_breakers_with_different_names_are_apart(stores: Stores) -> None:
    opened = BreakerState(BreakerStatus.OPEN, failures=3, since=OPENED_AT)
    stores.breakers.put("provider-a", opened, expected_version=0)

    assert stores.breakers.get("provider-b") == Versioned(CLOSED, 0)
    assert stores.breakers.put("provider-b", CLOSED, expected_version=0) == 1
    assert stores.breakers.get("provider-a") == Versioned(opened, 1)


# The use cases over each store.


def test_the_use_cases_authorize_refund_and_share_the_breaker_through_the_store(
    stores: Stores,
) -> None:
    clock = FakeClock()
    provider = FakeProvider(clock)
    policy = BreakerPolicy(failure_threshold=2, recovery_timeout=timedelta(seconds=30))

    def resilience() -> Resilience:
        breaker = CircuitBreaker(stores.breakers, clock, policy)
        return Resilience(breaker, ScriptedRandom(), RetryPolicy(max_attempts=2), FakeSleep(clock))

    authorized = authorize_payment(_authorize_command(), stores.payments, provider, resilience())
    refunded = refund_payment(_refund_command(), stores.payments, provider, resilience())
    provider.fail_next(2)
    with pytest.raises(ProviderUnavailableError):
        authorize_payment(
            _authorize_command("ord_SECOND0001"), stores.payments, provider, resilience()
        )

    assert isinstance(authorized, PaymentAuthorized)
    assert isinstance(refunded, PaymentRefunded)
    assert refunded.amount == AMOUNT
    stored = stores.payments.get(ORDER)
    assert stored is not None
    assert (stored.status, stored.version) == (PaymentStatus.REFUNDED, 2)
    assert stores.breakers.get("payment-provider").state.status is BreakerStatus.OPEN
    assert stores.payments.get("ord_SECOND0001") is None
