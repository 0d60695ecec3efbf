"""Raw playlist envelopes of a given size, generated once per size into the scratch directory."""

from __future__ import annotations

import hashlib
import inspect
import json
from datetime import UTC, datetime
from pathlib import Path

from spotify_runtime.envelope import build_envelope

from spotify_local.spotify import sample_data as generator

SEED = 20261124
"""Every input is generated from this seed, so every machine benchmarks the same bytes."""
RUN_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def playlist_id(n_items: int) -> str:
    """A deterministic 22-character playlist ID for the bench playlist of `n_items`."""
    return f"bench{n_items:017d}"


def _generator_fingerprint() -> str:
    # A changed generator must not reuse files written by the old one.
    return hashlib.sha256(inspect.getsource(generator).encode()).hexdigest()[:10]


def raw_playlist_file(work_dir: Path, n_items: int) -> Path:
    """Path of the raw envelope for a playlist of `n_items`, written on first use."""
    path = work_dir / "inputs" / f"playlist-{n_items}-{SEED}-{_generator_fingerprint()}.json"
    if path.exists():
        return path
    metadata, items = generator.generate_playlist(playlist_id(n_items), n_items, SEED)
    envelope = build_envelope(
        source_type="playlist",
        source_id=playlist_id(n_items),
        source_name=metadata["name"],
        metadata=metadata,
        items=items,
        extracted_at=RUN_AT,
        run_at=RUN_AT,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as handle:
        json.dump(envelope, handle, ensure_ascii=False)
    partial.replace(path)
    return path
