"""What the Step Functions engine (``sfn``) and the local runtime (``runtime``) both use: the
account, region, ARNs and ids AWS would give (``aws``), the clock port (``clock``) and the
runtime's SQLite store (``store``). It imports neither of them: ``shared`` <- ``sfn`` <-
``runtime`` (decision note 2026-12-05-one-way-packages.md).
"""
