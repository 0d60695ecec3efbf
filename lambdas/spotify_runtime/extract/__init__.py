"""Extraction: the planner and the extract worker (their asset holds this package, the shared
modules of spotify_runtime and spotipy).

- `planner`: the planner function (schedule -> one extract message per source).
- `worker`: the extract worker function (its handler; its queue worker assembled).
- `queue_worker`: `QueueWorker`, what happens to each message (land, defer, retry,
  dead-letter).
- `landing`: fetch a source and write its raw file, one outcome per source.
- `fetch`: one source's pages from Spotify as a raw envelope (`library`, `listening` for some).
"""
