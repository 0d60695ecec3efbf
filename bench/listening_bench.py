"""Listening: one simulated day of uneven listening, extracted at several cadences against the
local Spotify (which keeps only the last 50 plays), counting the plays each cadence keeps.

Each cadence runs the runtime's own recently-played extraction (cursor in a directory, raw files
as in S3) at its run times, with the local Spotify's clock set to each run time; every raw file
is then transformed and the `plays` rows counted: captured (distinct plays of the day), lost
(played but never landed) and duplicated (rows beyond one per play). Every cadence starts from a
cursor at midnight, as if an earlier run had landed everything before the day.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from spotify_runtime.extract.credentials import SpotifyCredentials
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.landing import land_source
from spotify_runtime.extract.spotify_client import SpotifyClient
from spotify_runtime.layout import RAW_TO_PROCESS, state_key
from spotify_runtime.sources import Source
from spotify_runtime.transform.raw_to_parquet import transform_raw_file

from bench.report import Section, Target
from spotify_local.folder_store import FolderStore

DAY = datetime(2026, 11, 24, tzinfo=UTC)
SEED = 20261124
HOURLY, DAILY = TARGETS = (
    ("Listening: one day (hundreds of plays) extracted hourly", "every play once"),
    ("Listening: the same day extracted once daily (seed cadence, 18:10)", "losses reported"),
)
SOURCE = Source("recently-played")


@dataclass(frozen=True)
class CadenceResult:
    """What one cadence kept of the day."""

    name: str
    runs: int
    requests: int
    plays_in_day: int
    captured: int
    rows: int
    gap_warnings: int
    max_plays_per_run: int

    @property
    def lost(self) -> int:
        return self.plays_in_day - self.captured

    @property
    def duplicates(self) -> int:
        return self.rows - self.captured


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def cadences() -> dict[str, list[datetime]]:
    """Run times per cadence: every 1, 2 and 3 hours on the hour until 03:00 the next morning
    (the day's last session runs past midnight), and daily at 18:10 (the seed's schedule) with
    its run of the next day, which still sees the evening's last 50 plays."""
    until = 27
    return {
        "hourly": [DAY + timedelta(hours=h) for h in range(1, until + 1)],
        "every 2 hours": [DAY + timedelta(hours=h) for h in range(2, until + 1, 2)],
        "every 3 hours": [DAY + timedelta(hours=h) for h in range(3, until + 1, 3)],
        "daily at 18:10": [DAY + timedelta(hours=18, minutes=10),
                           DAY + timedelta(days=1, hours=18, minutes=10)],
    }


def landed_plays(out: Path) -> list[datetime]:
    """Transform every raw file under `out` and return every plays row's played_at."""
    played: list[datetime] = []
    for raw in sorted((out / RAW_TO_PROCESS).rglob("*.json")):
        result = transform_raw_file(raw.read_bytes(), raw.relative_to(out).as_posix())
        for key, data in result.outputs.items():
            if key.split("/")[1] == "plays":
                played += pq.read_table(pa.BufferReader(data)).column("played_at").to_pylist()
    return played


def run_cadence(name: str, run_times: list[datetime], history: list[dict], work: Path,
                fake) -> CadenceResult:
    """Extract the day at `run_times` into a fresh directory; count what landed."""
    out = work / name.replace(" ", "-").replace(":", "")
    shutil.rmtree(out, ignore_errors=True)
    cursors = FolderStore(out)
    cursors.advance(state_key(SOURCE.type, SOURCE.key_id), _ms(DAY))
    client = SpotifyClient(
        SpotifyCredentials(fake.client_id, fake.client_secret, fake.refresh_token),
        api_url=fake.api_url, accounts_url=fake.accounts_url,
    )
    sink = FolderStore(out)
    warnings = most = 0
    for run_at in run_times:
        fake.listening_clock = lambda run_at=run_at: _ms(run_at)
        outcome = land_source(client, SOURCE, sink, run_at=run_at,
                              deadline=Deadline.unlimited(), cursors=cursors)
        if outcome.error is not None:
            raise outcome.error
        warnings += outcome.warning is not None
        most = max(most, outcome.item_count)
    played = landed_plays(out)
    day_plays = {p["played_at"] for p in history}
    captured = {moment for moment in played
                if moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
                in day_plays}
    return CadenceResult(name, len(run_times), client.requests_sent, len(history),
                         len(captured), len(played), warnings, most)


def run(work: Path) -> list[CadenceResult]:
    """The day once, every cadence over it."""
    from spotify_local.spotify import sample_data
    from spotify_local.spotify.content import SpotifyContent
    from spotify_local.spotify.server import FakeSpotify

    history = sample_data.generate_listening_day(DAY, SEED)
    content = SpotifyContent(recently_played=history)
    work = work / "listening"
    runtime_log = logging.getLogger("spotify_runtime")
    previous = runtime_log.level
    runtime_log.setLevel(logging.ERROR)  # the gap lines are counted in the table instead
    try:
        with FakeSpotify(content=content) as fake:
            return [run_cadence(name, times, history, work, fake)
                    for name, times in cadences().items()]
    finally:
        runtime_log.setLevel(previous)


def _hourly_density(history_size: int, results: list[CadenceResult]) -> str:
    hourly = next(r for r in results if r.name == "hourly")
    return (f"The day: {history_size:,} plays in seven sessions (sample_data."
            f"generate_listening_day, seed {SEED}); the most any hourly run found was "
            f"{hourly.max_plays_per_run}.")


def to_section(results: list[CadenceResult]) -> Section:
    """One row per cadence and the two targets."""
    section = Section(
        title="Listening: one day of plays, extracted at different cadences (local Spotify)",
        headers=["Cadence", "Runs", "Requests", "Plays that day", "Captured", "Lost",
                 "Duplicates", "Gap warnings"],
        rows=[[r.name, str(r.runs), str(r.requests), f"{r.plays_in_day:,}", f"{r.captured:,}",
               f"{r.lost:,}", str(r.duplicates), str(r.gap_warnings)] for r in results],
        data=results,
    )
    section.notes.append(
        _hourly_density(results[0].plays_in_day, results) + " Each cadence runs "
        "`land_source` on recently-played with a cursor (as the worker does) against the "
        "local Spotify, whose clock is set to each run time and which, like Spotify, answers "
        "only from the last 50 plays. Captured, lost and duplicates count the `plays` rows the "
        "transform makes of every raw file. Gap warnings: runs that found a full page of 50 "
        "newer than the cursor (each one a lost stretch of the day, named in its log line)."
    )
    by_name = {r.name: r for r in results}
    hourly, daily = by_name["hourly"], by_name["daily at 18:10"]
    hourly_ok = hourly.lost == 0 and hourly.duplicates == 0
    section.targets = [
        Target(*HOURLY, f"{hourly.captured:,} of {hourly.plays_in_day:,} captured, "
               f"{hourly.duplicates} duplicates", hourly_ok),
        Target(*DAILY, f"{daily.captured:,} of {daily.plays_in_day:,} captured, "
               f"{daily.lost:,} lost, {daily.gap_warnings} gap warnings",
               daily.gap_warnings > 0 or daily.lost == 0),
    ]
    return section
