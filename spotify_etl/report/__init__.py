"""The listening report: one self-contained HTML page of charts and tables for a period.

Every number comes from the named queries in infra/queries/report/ (run on the local lake by
DuckDB, or on a deployed environment by Athena: queries.py); sections.py turns their rows into
charts and tables, page.py writes the page with Plotly's JavaScript inlined.
"""
