"""Benchmarks of the domain core on a 100,000-patient demo clinic, each beside a hand-written-SQL baseline.

`python -m bench.run_all` (or `scripts/bench.sh`) runs them all; see bench/run_all.py.
"""
