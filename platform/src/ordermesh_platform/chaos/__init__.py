"""The chaos suite (``ordermesh chaos``, ``make chaos``): the whole system under load with
faults switched on, then invariants checked from what it stored.

``scenario`` names the faults and plans when each happens; ``load`` is the load generator (a
process of its own); ``evidence`` reads the stores, the provider's ledger, the bus archive and
the lake; ``invariants`` are pure functions of that evidence, each returning its violations;
``run`` drives a run; ``report`` prints the table and rewrites RELIABILITY.md.
"""
