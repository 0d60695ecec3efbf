"""spotify-etl's command line (`python -m spotify_etl ...`): one module per command under
commands/ (docs/development.md)."""
