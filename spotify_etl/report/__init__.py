"""The listening report on the command line: its files, from the local lake or a deployed
environment. The report itself (queries, sections, page, card) is spotify_runtime/report/, which
the monthly report function runs too; the local lake's query runner is
spotify_local/lake_queries.py.
"""
