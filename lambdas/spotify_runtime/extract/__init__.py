"""Extraction: the planner and the extract worker (their asset holds this package, the shared
modules of spotify_runtime and spotipy)."""
