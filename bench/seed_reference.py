"""REFERENCE ONLY: the seed tutorial's transform, re-implemented to benchmark against.

This is not part of the product. It mirrors the transform Lambda of the tutorial this project
started from: per-row Python loops over `items` into lists of dicts (albums, artists, songs),
three pandas DataFrames, `drop_duplicates`, `pd.to_datetime`, and three CSV files written from
an in-memory `StringIO` buffer (the seed then `put_object`-ed that buffer to S3; here it goes to
a local file).

Kept as close to the seed as possible; the only changes are the ones without which it cannot
read today's data at all (each marked `ADAPTED`):
- the track sits under `item` in current API responses (`track` before 2026);
- items whose track is null, episodes and local files are skipped (the seed raised on them);
- `release_date` is parsed with `format="ISO8601"`: pandas 2 infers one format from the first
  value and raises on the mixed year/month/day precision Spotify returns.

Usage: `python -m bench.seed_reference RAW.json --out DIR` (RAW is an envelope or a bare
playlist-items paging object; both keep the items under `items`).
"""

from __future__ import annotations

import argparse
import json
from io import StringIO
from pathlib import Path

import pandas as pd

from spotify_etl.clean_exit import exit_now


def _track_of(row: dict) -> dict | None:
    # ADAPTED: current API key `item`, older `track`; None for rows the seed could not handle.
    track = row.get("item", row.get("track"))
    if track is None or track.get("type", "track") != "track" or row.get("is_local"):
        return None
    return track


def album(data: dict) -> list[dict]:
    """One dict per item's album (duplicates included, as the seed did)."""
    album_list = []
    for row in data["items"]:
        track = _track_of(row)
        if track is None:
            continue
        album_id = track["album"]["id"]
        album_name = track["album"]["name"]
        album_release_date = track["album"]["release_date"]
        album_total_tracks = track["album"]["total_tracks"]
        album_url = track["album"]["external_urls"]["spotify"]
        album_element = {
            "album_id": album_id,
            "name": album_name,
            "release_date": album_release_date,
            "total_tracks": album_total_tracks,
            "url": album_url,
        }
        album_list.append(album_element)
    return album_list


def artist(data: dict) -> list[dict]:
    """One dict per credited track artist, with the API href as `external_url` (seed's bug)."""
    artist_list = []
    for row in data["items"]:
        track = _track_of(row)
        if track is None:
            continue
        for artist in track["artists"]:
            artist_dict = {
                "artist_id": artist["id"],
                "artist_name": artist["name"],
                "external_url": artist["href"],
            }
            artist_list.append(artist_dict)
    return artist_list


def songs(data: dict) -> list[dict]:
    """One dict per item; `artist_id` is the album's first artist (seed's bug, kept)."""
    song_list = []
    for row in data["items"]:
        track = _track_of(row)
        if track is None:
            continue
        song_element = {
            "song_id": track["id"],
            "song_name": track["name"],
            "duration_ms": track["duration_ms"],
            "url": track["external_urls"]["spotify"],
            "popularity": track["popularity"],
            "song_added": row["added_at"],
            "album_id": track["album"]["id"],
            "artist_id": track["album"]["artists"][0]["id"],
        }
        song_list.append(song_element)
    return song_list


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    buffer = StringIO()
    frame.to_csv(buffer, index=False)
    content = buffer.getvalue()
    path.write_text(content, encoding="utf-8")


def transform_file(raw_path: Path, out_dir: Path) -> dict[str, int]:
    """Transform one raw file the seed's way; returns rows written per CSV file."""
    with raw_path.open(encoding="utf-8") as handle:
        data = json.load(handle)

    album_df = pd.DataFrame.from_dict(album(data))
    album_df = album_df.drop_duplicates(subset=["album_id"])
    artist_df = pd.DataFrame.from_dict(artist(data))
    artist_df = artist_df.drop_duplicates(subset=["artist_id"])
    song_df = pd.DataFrame.from_dict(songs(data))

    album_df["release_date"] = pd.to_datetime(album_df["release_date"], format="ISO8601")
    song_df["song_added"] = pd.to_datetime(song_df["song_added"])

    out_dir.mkdir(parents=True, exist_ok=True)
    frames = {"songs": song_df, "albums": album_df, "artists": artist_df}
    for name, frame in frames.items():
        _write_csv(frame, out_dir / f"{name}_transformed.csv")
    return {name: len(frame) for name, frame in frames.items()}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: transform RAW into three CSV files under --out."""
    parser = argparse.ArgumentParser(prog="python -m bench.seed_reference")
    parser.add_argument("raw", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    transform_file(args.raw, args.out)
    return 0


if __name__ == "__main__":
    exit_now(main())
