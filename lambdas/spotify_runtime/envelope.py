"""The raw envelope: one JSON object per source per run, written by extract, read by transform.

This module is the one place the envelope is defined (docs/raw-envelope.md points here).

```
{
  "schema_version": 1,
  "extracted_at": "2026-11-24T18:10:04Z",      # ISO 8601 UTC, when extraction finished
  "run_at": "2026-11-24T18:10:00Z",            # the run this belongs to (names the raw key)
  "source": {"type": "playlist", "id": "<22-char id or null>", "name": "<display name>"},
  "metadata": {...} | null,
  "items": [...]
}
```

`metadata` and `items` per source type, exactly as Spotify returned them across all pages:

- `playlist`: metadata is the playlist object with its embedded items page removed; items are
  playlist item objects `{added_at, added_by, is_local, item}` (older API: `track`).
- `album`: metadata is the album object with its `tracks` page removed; items are the album's
  simplified track objects.
- `artist`: metadata is the artist object; items are `{"album": simplified album, "track":
  simplified track}`, one per track of each of the artist's albums.
- `saved-tracks`: metadata is null; items are saved track objects `{added_at, track}`.
- `recently-played`: items are play history objects `{track, played_at, context}`, newest
  first, only those after the cursor; metadata is `{"after_ms": <cursor asked after, Unix ms, or
  null>, "newest_ms", "oldest_ms", "possible_gap": <a full page of 50 newer than the cursor>}`
  (extract/listening.py). Without a cursor store (older files) metadata is null.
- `top-tracks` / `top-artists`: metadata is null; items are `{time_range, rank, track}` /
  `{time_range, rank, artist}` (extract/library.py).
- `saved-albums`: metadata is null; items are saved album objects `{added_at, album}`.
- `followed-artists`: metadata is null; items are artist objects.
- `my-playlists` writes no envelope of its own: it expands into `playlist` sources.

Credentials never appear in an envelope.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION = 1


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z` suffix and whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_envelope(
    *,
    source_type: str,
    source_id: str | None,
    source_name: str | None,
    metadata: dict[str, Any] | None,
    items: list[Any],
    extracted_at: datetime,
    run_at: datetime,
) -> dict[str, Any]:
    """Assemble an envelope in the documented shape."""
    return {
        "schema_version": SCHEMA_VERSION,
        "extracted_at": iso_utc(extracted_at),
        "run_at": iso_utc(run_at),
        "source": {"type": source_type, "id": source_id, "name": source_name},
        "metadata": metadata,
        "items": items,
    }
