"""One order followed across every service: ``ordermesh trace`` and ``/trace/<orderId>``."""
