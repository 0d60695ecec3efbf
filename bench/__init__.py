"""`make bench`: the pipeline measured against the seed and against the limits.

"The seed" here is the Spotify ETL tutorial this project started from (a Lambda that wrote each
raw file's songs, albums and artists as CSV through pandas), re-implemented as a reference in
bench/seed_reference.py.

Run `python -m bench --help`. Not part of the product nor of `make test` (a smoke test in
tests/bench keeps it from rotting).
"""
