"""`make bench`: the pipeline measured against the seed approach and against the limits.

Run `python -m bench --help`. Not part of the product nor of `make test` (a smoke test in
tests/bench keeps it from rotting).
"""
