"""The listening report: its named queries (queries/), the Athena runner, the sections, the
review, the share card and the page, rendered in memory (build.py); and the monthly report
function (monthly.py, mail.py). The command line (spotify_etl report) builds on the same code.
"""
