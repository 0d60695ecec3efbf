"""The listening report on the command line: files from the local lake or a deployed
environment.

The report itself (its named queries, sections, review, card, page and the Athena runner) is
the runtime package's, spotify_runtime/report/, which the monthly report function runs too;
here are what only a laptop needs: DuckDB over the local lake (queries.py), writing the files
(build.py), the simulated lake, and the browser the tests and screenshots use.
"""
