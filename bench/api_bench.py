"""API efficiency: requests made to extract each source against the local Spotify Web API.

Each source is extracted by its own `python -m spotify_etl extract` process (one run, so one
token request), and the fake server's request log counts what it answered.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.report import Section, Target

PLAYLIST_SIZES = (49, 50, 51, 100, 101, 151, 1_000, 10_000)
"""The issue's sizes, plus the edges of the embedded first page (100) and the next page."""
ALBUM_TRACKS = 120
ARTIST_ALBUM_TRACKS = (10, 3, 14, 60, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 18,
                      19, 20, 51)
"""23 albums: three pages of an artist's albums at Spotify's limit of 10."""
PAGE_LIMIT = 50
"""Largest page Spotify serves for playlist items and album tracks."""
ARTIST_ALBUMS_PAGE_LIMIT = 10
"""Largest page of an artist's albums since Feb 2026 (400 Invalid limit above it)."""
ALBUM_EMBEDDED = 50
"""Tracks an album object embeds."""
SEED = 7
TARGETS = (("Requests vs lower bound (every case)", "exactly the bound"),)


@dataclass(frozen=True)
class RequestCount:
    """What extracting one source cost in requests, against the lower bound."""

    source: str
    items: int
    made: int
    token_requests: int
    lower_bound: int
    issue_formula: int | None
    """The issue's bound for playlists (1 + 1 + ceil(N/50)), ignoring the embedded page."""
    items_extracted: int
    failed_responses: int

    @property
    def excess(self) -> int:
        """Requests above the lower bound (0 is the target)."""
        return self.made - self.lower_bound


def playlist_lower_bound(n_items: int, embedded: int) -> int:
    """1 token + 1 metadata request (embedding the first `embedded` items) + the other pages."""
    return 1 + 1 + math.ceil(max(0, n_items - embedded) / PAGE_LIMIT)


def album_lower_bound(n_tracks: int) -> int:
    """1 token + 1 album request (embedding 50 tracks) + the other track pages."""
    return 1 + 1 + math.ceil(max(0, n_tracks - ALBUM_EMBEDDED) / PAGE_LIMIT)


def artist_lower_bound(album_tracks: tuple[int, ...]) -> int:
    """1 token + 1 artist + the album pages + each album's track pages.

    The artist's albums come 10 a page, as simplified albums without tracks, so each album's
    tracks cost ceil(tracks / 50) requests (the batch /albums?ids= endpoint is gone since Feb
    2026).
    """
    pages = math.ceil(len(album_tracks) / ARTIST_ALBUMS_PAGE_LIMIT)
    return 1 + 1 + pages + sum(math.ceil(t / PAGE_LIMIT) for t in album_tracks)


def _extract(fake, source: str, out: Path, repo_root: Path) -> int:
    """Run the extract CLI for one source; returns the number of items in its envelope."""
    shutil.rmtree(out, ignore_errors=True)
    env = {
        **os.environ,
        "SPOTIFY_CLIENT_ID": fake.client_id,
        "SPOTIFY_CLIENT_SECRET": fake.client_secret,
        "SPOTIFY_REFRESH_TOKEN": fake.refresh_token,
    }
    argv = [sys.executable, "-m", "spotify_etl", "extract", "--source", source, "--out", str(out),
            "--api-url", fake.api_url, "--accounts-url", fake.accounts_url]
    done = subprocess.run(argv, env=env, cwd=repo_root, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"extract {source} failed: {done.stderr.strip()}")
    (envelope_file,) = out.rglob("*.json")
    return len(json.loads(envelope_file.read_text(encoding="utf-8"))["items"])


def run(playlist_sizes: list[int], work_dir: Path, repo_root: Path) -> list[RequestCount]:
    """Extract playlists of each size, an album and an artist; count the requests of each."""
    from spotify_local.spotify import sample_data
    from spotify_local.spotify.content import SpotifyContent
    from spotify_local.spotify.server import FakeSpotify

    results = []
    out = work_dir / "api-out"
    with FakeSpotify(content=SpotifyContent()) as fake:
        cases = []
        for n in playlist_sizes:
            playlist_id = f"benchPlaylist{n:09d}"
            fake.add_generated_playlist(playlist_id, n, seed=SEED)
            cases.append((f"playlist:{playlist_id}", n,
                          playlist_lower_bound(n, fake.embedded_page_size),
                          2 + math.ceil(n / PAGE_LIMIT)))
        album_id = "benchAlbum" + "0" * 12
        fake.content.add_album(sample_data.generate_album(album_id, ALBUM_TRACKS, seed=SEED))
        cases.append((f"album:{album_id}", ALBUM_TRACKS, album_lower_bound(ALBUM_TRACKS), None))
        artist_id = "benchArtist" + "0" * 11
        artist, albums = sample_data.generate_artist(artist_id, ARTIST_ALBUM_TRACKS, seed=SEED)
        fake.content.add_artist(artist, albums)
        cases.append((f"artist:{artist_id}", sum(ARTIST_ALBUM_TRACKS),
                      artist_lower_bound(ARTIST_ALBUM_TRACKS), None))
        for source, items, bound, issue_formula in cases:
            fake.clear_log()
            extracted = _extract(fake, source, out, repo_root)
            results.append(RequestCount(
                source=source, items=items, made=len(fake.requests),
                token_requests=fake.count("/api/token"), lower_bound=bound,
                issue_formula=issue_formula, items_extracted=extracted,
                failed_responses=sum(1 for r in fake.requests if r.status >= 400),
            ))
    return results


def to_section(results: list[RequestCount]) -> Section:
    """Requests per source against the lower bound; the target is zero excess everywhere."""
    section = Section(
        title="API requests: extracting one source against the local Spotify Web API",
        headers=["Source", "Items", "Items extracted", "Requests", "Token requests",
                 "Lower bound", "Issue formula", "Excess"],
        data=results,
    )
    for r in results:
        kind = r.source.split(":")[0]
        section.rows.append([
            kind, f"{r.items:,}", f"{r.items_extracted:,}", str(r.made), str(r.token_requests),
            str(r.lower_bound), "-" if r.issue_formula is None else str(r.issue_formula),
            str(r.excess),
        ])
    section.notes.append(
        "Lower bound: playlist 1 token + 1 metadata request (its embedded first page of up to "
        "100 items is used, as Spotify embeds one) + ceil((N - 100) / 50) item pages; album "
        f"1 token + 1 album (embeds {ALBUM_EMBEDDED} tracks) + ceil((N - 50) / 50) track pages; "
        f"artist ({len(ARTIST_ALBUM_TRACKS)} albums of {', '.join(map(str, ARTIST_ALBUM_TRACKS))}"
        " tracks) 1 token + 1 artist + ceil(albums / 10) album pages + ceil(tracks / 50) per "
        "album. The issue's "
        "formula (1 + 1 + ceil(N/50)) ignores the embedded page; the lower bound is tighter."
    )
    worst = max(results, key=lambda r: r.excess)
    all_exact = all(
        r.excess == 0 and r.items_extracted == r.items and r.failed_responses == 0
        for r in results
    )
    excess_cases = [f"{r.source.split(':')[0]} {r.items:,}: +{r.excess}"
                    for r in results if r.excess]
    section.targets.append(Target(
        *TARGETS[0],
        "excess 0 in every case" if all_exact else
        f"max excess {worst.excess} ({'; '.join(excess_cases) or 'items missing or errors'})",
        all_exact,
    ))
    return section

