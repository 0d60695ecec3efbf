"""Spotify's personal-data export, generated: rows and files of both kinds with every quirk real
exports have (docs/history-import.md), for tests, the benchmark and the demo.

Extended rows carry the 21/23 keys of the endsong and Streaming_History_* eras (personal fields
included, with documentation values), podcasts, video and audiobook keys; `dump` writes them in
each layout Spotify used (minified, 2-space pretty, Jackson's `"key" : value`). Basic rows are
`endTime` to the minute, cut into files of 10,000 rows. Nothing here comes from a real export.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from spotify_local.spotify.sample_data import spotify_id

LAYOUTS = ("minified", "pretty", "jackson")
REASONS_START = ("trackdone", "clickrow", "fwdbtn", "backbtn", "playbtn", "appload", "remote")


def stamp(moment: datetime) -> str:
    """`ts` as Spotify writes it: UTC, seconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def extended_row(ended: datetime, ms_played: int, *, track: tuple[str, str, str, str] | None = None,
                 episode: tuple[str, str, str] | None = None,
                 audiobook: tuple[str, str, str, str] | None = None, era: str = "new",
                 reason_start: str = "trackdone", reason_end: str = "trackdone",
                 skipped: bool | None = False, shuffle: bool = False, offline: bool = False,
                 platform: str = "android", country: str = "DE") -> dict[str, Any]:
    """One extended-history row. `track` is (id, name, artist, album), `episode` (id, name,
    show), `audiobook` (id, title, chapter id, chapter title); none of them: all media null.
    `era` "old" is endsong (ms offline_timestamp, username, decrypted fields), "new" is
    Streaming_History_* (seconds, ip_addr, audiobook keys)."""
    started_s = (ended - timedelta(milliseconds=ms_played)).timestamp()
    row: dict[str, Any] = {"ts": stamp(ended)}
    if era == "old":
        row |= {"username": "exampleuser", "platform": platform, "ms_played": ms_played,
                "conn_country": country, "ip_addr_decrypted": "192.0.2.7",
                "user_agent_decrypted": "unknown"}
    else:
        row |= {"platform": platform, "ms_played": ms_played, "conn_country": country,
                "ip_addr": "2001:db8::7"}
    track_id, track_name, artist, album = track or (None, None, None, None)
    episode_id, episode_name, show = episode or (None, None, None)
    row |= {
        "master_metadata_track_name": track_name,
        "master_metadata_album_artist_name": artist,
        "master_metadata_album_album_name": album,
        "spotify_track_uri": f"spotify:track:{track_id}" if track_id else None,
        "episode_name": episode_name, "episode_show_name": show,
        "spotify_episode_uri": f"spotify:episode:{episode_id}" if episode_id else None,
    }
    if era != "old":
        book_id, title, chapter_id, chapter = audiobook or (None, None, None, None)
        row |= {"audiobook_title": title,
                "audiobook_uri": f"spotify:audiobook:{book_id}" if book_id else None,
                "audiobook_chapter_uri": f"spotify:chapter:{chapter_id}" if chapter_id else None,
                "audiobook_chapter_title": chapter}
    row |= {"reason_start": reason_start, "reason_end": reason_end, "shuffle": shuffle,
            "skipped": skipped, "offline": offline,
            "offline_timestamp": round(started_s * 1000) if era == "old" else round(started_s),
            "incognito_mode": False}
    return row


def basic_row(ended: datetime, ms_played: int, artist: str, track: str) -> dict[str, Any]:
    """One basic (Account data) music row: `endTime` to the minute, UTC."""
    return {"endTime": ended.astimezone(UTC).strftime("%Y-%m-%d %H:%M"), "artistName": artist,
            "trackName": track, "msPlayed": ms_played}


def dump(rows: list[dict[str, Any]], layout: str = "pretty") -> bytes:
    """Rows as one of Spotify's file layouts (no trailing newline, as Spotify writes them)."""
    if layout == "minified":
        return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()
    if layout == "pretty":
        return json.dumps(rows, ensure_ascii=False, indent=2).encode()
    if layout == "jackson":  # `[ {`, `"key" : value`, `}, {` (Jackson's default printer)
        objects = [
            "{\n" + ",\n".join(f"  {json.dumps(k)} : {json.dumps(v, ensure_ascii=False)}"
                               for k, v in row.items()) + "\n}" for row in rows]
        return ("[ " + ", ".join(objects) + " ]").encode()
    raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")


class Catalogue:
    """Tracks, shows and books a listener returns to, deterministic per seed."""

    def __init__(self, rng: random.Random, tracks: int = 400, shows: int = 6) -> None:
        artists = [f"Artist {n}" for n in range(max(tracks // 8, 1))]
        self.tracks = [(spotify_id(rng), f"Track {n}", rng.choice(artists), f"Album {n // 10}")
                       for n in range(tracks)]
        self.episodes = [(spotify_id(rng), f"Episode {n}", f"Show {n % shows}")
                         for n in range(shows * 10)]
        self.audiobook = (spotify_id(rng), "A Book", spotify_id(rng), "Chapter 1")


def listening(rng: random.Random, catalogue: Catalogue, start: datetime, plays: int,
              *, era: str = "new", night_hours: tuple[int, int] = (6, 30),
              ) -> Iterator[dict[str, Any]]:
    """`plays` extended rows from `start` on: mostly tracks (a quarter skipped early), some
    episodes, the odd audiobook chapter and all-null row, sessions with nights between."""
    moment = start
    for n in range(plays):
        roll = rng.random()
        if roll < 0.06:
            ms = rng.randint(60_000, 3_600_000)
            yield extended_row(moment + timedelta(milliseconds=ms), ms, era=era,
                               episode=rng.choice(catalogue.episodes), reason_start="clickrow",
                               reason_end=rng.choice(("endplay", "trackdone")))
        elif roll < 0.065 and era == "new":
            ms = rng.randint(60_000, 1_800_000)
            yield extended_row(moment + timedelta(milliseconds=ms), ms, era=era,
                               audiobook=catalogue.audiobook, reason_start="clickrow",
                               reason_end="endplay")
        elif roll < 0.07:
            ms = rng.randint(1_000, 30_000)
            yield extended_row(moment + timedelta(milliseconds=ms), ms, era=era,
                               reason_start="appload", reason_end="trackdone", skipped=None)
        else:
            skip = rng.random() < 0.25
            ms = rng.randint(2_000, 29_000) if skip else rng.randint(120_000, 300_000)
            yield extended_row(
                moment + timedelta(milliseconds=ms), ms, era=era,
                track=rng.choice(catalogue.tracks), shuffle=rng.random() < 0.4,
                reason_start=rng.choice(REASONS_START),
                reason_end="fwdbtn" if skip else "trackdone", skipped=skip if era == "new"
                else None, platform=rng.choice(("android", "windows", "ios")))
        moment += timedelta(milliseconds=ms + rng.randint(0, 5_000))
        if n % 40 == 39:  # a night off
            moment += timedelta(hours=rng.randint(*night_hours))


def extended_files(rows: list[dict[str, Any]], rows_per_file: int = 16_000,
                   layout: str = "pretty") -> dict[str, bytes]:
    """Rows in Spotify's Streaming_History_Audio_<first year>-<last year>_<n>.json files (about
    12 MB each), sorted as Spotify mostly sorts them."""
    rows = sorted(rows, key=lambda row: row["ts"])
    files = {}
    for n, first in enumerate(range(0, len(rows), rows_per_file)):
        chunk = rows[first:first + rows_per_file]
        years = f"{chunk[0]['ts'][:4]}-{chunk[-1]['ts'][:4]}"
        files[f"Streaming_History_Audio_{years}_{n}.json"] = dump(chunk, layout)
    return files


EXPORT_FOLDER = "Spotify Extended Streaming History"


def export_zip(files: dict[str, bytes], folder: str = EXPORT_FOLDER) -> bytes:
    """`my_spotify_data.zip` as downloaded: the files in a folder, with the PDF read-me."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}/{name}", data)
        archive.writestr(f"{folder}/ReadMeFirst_ExtendedStreamingHistory.pdf", b"%PDF-1.4\n")
    return buffer.getvalue()


def heavy_listener(plays: int = 300_000, years: int = 10, seed: int = 7) -> dict[str, bytes]:
    """A heavy listener's extended export: `plays` over `years` years, split as Spotify splits
    it (the benchmark's input)."""
    rng = random.Random(seed)
    catalogue = Catalogue(rng, tracks=5_000)
    start = datetime(2026 - years, 1, 1, tzinfo=UTC)
    return extended_files(list(listening(rng, catalogue, start, plays, night_hours=(2, 16))))


def _track_of(item: dict[str, Any]) -> tuple[str, str, str, str]:
    track = item["track"]
    return (track["id"], track["name"], track["album"]["artists"][0]["name"],
            track["album"]["name"])


def demo_export(api_history: list[dict[str, Any]], seed: int = 11) -> bytes:
    """`my_spotify_data.zip` for the demo: three months of a listener's plays of the sample API's
    tracks before the API's morning (tracks played out and skipped, podcasts, a two-week gap
    in October), and the morning's first plays the API also returns (so the `listening` view
    has export, API and both). The export was requested that morning: the API's later plays
    are not in it."""
    rng = random.Random(seed)
    morning = sorted(api_history, key=lambda item: item["played_at"])
    catalogue = Catalogue(rng, tracks=0, shows=3)
    catalogue.tracks = sorted({_track_of(item) for item in morning})
    first_api_play = datetime.fromisoformat(morning[0]["played_at"].replace("Z", "+00:00"))
    rows = []
    for days_before in range(91, 1, -7):  # a week's listening at a time, on and off
        start = first_api_play - timedelta(days=days_before)
        rows += list(listening(rng, catalogue, start, 50, night_hours=(8, 16)))
    gap_from = first_api_play - timedelta(days=60)
    rows = [row for row in rows
            if not gap_from <= datetime.fromisoformat(row["ts"][:-1] + "+00:00")
            < gap_from + timedelta(days=14)]
    rows = [row for row in rows if row["ts"] < stamp(first_api_play)]
    for n, item in enumerate(morning[: len(morning) // 2]):
        played_at = datetime.fromisoformat(item["played_at"].replace("Z", "+00:00"))
        ms = item["track"]["duration_ms"]
        # Half as if played_at were the start, half as if it were the end (docs/history-import.md).
        ended = played_at + timedelta(milliseconds=ms) if n % 2 else played_at
        rows.append(extended_row(ended.replace(microsecond=0), ms, track=_track_of(item),
                                 platform="android"))
    rng.shuffle(rows)  # Spotify's files are not sorted either
    return export_zip({f"Streaming_History_Audio_{rows[0]['ts'][:4]}_0.json": dump(rows)})
