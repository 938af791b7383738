"""Benchmarks: figures written down in docs/benchmarks.md, never timed assertions in tests.

``python -m bench`` (``make bench``) runs them all; each module also runs alone
(``python -m bench.apdu_rate``, ``python -m bench.card_ops``).
"""
