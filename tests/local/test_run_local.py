"""The whole local pipeline end to end: extract, transform, catalog and named queries, lake.

One run (module fixture) on the bundled sample data; a second run on a copy of its lake.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections import Counter
from datetime import date, datetime, timedelta
from fnmatch import fnmatch
from pathlib import Path

import pyarrow as pa
import pytest
from rich.console import Console
from spotify_runtime.layout import RAW_PROCESSED, RAW_TIMESTAMP_FORMAT, RAW_TO_PROCESS
from spotify_runtime.transform.tables import SCHEMAS, TABLES

from bench import readme_demo
from infra.named_queries import get_named_query, load_named_queries
from spotify_etl.cli import main
from spotify_etl.commands.run_local import describe_health
from spotify_etl.report.build import PLOTLY_BUNDLE
from spotify_local.duckdb_athena import open_lake, run_sql
from spotify_local.local_run import RunOptions, RunSummary, run_pipeline
from spotify_local.spotify.content import OTHER_USERS_PLAYLIST_ID, PLAYLIST_ID
from spotify_local.spotify.endpoint import sample_sources
from tests.iceberg_catalog import write_folder_rows


def _run(lake: Path) -> tuple[RunSummary, str]:
    output = io.StringIO()
    summary = run_pipeline(RunOptions(lake_dir=lake, chart_library=PLOTLY_BUNDLE),
                           Console(file=output, width=200))
    return summary, output.getvalue()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunSummary, str]:
    lake = tmp_path_factory.mktemp("first") / "lake"
    summary, output = _run(lake)
    return lake, summary, output


def _files(lake: Path, prefix: str) -> list[str]:
    return sorted(p.relative_to(lake).as_posix() for p in (lake / prefix).rglob("*") if p.is_file())


def _table_rows(lake: Path, table: str) -> list[dict]:
    """The rows of the lake folder's Iceberg table at its current snapshot."""
    from spotify_local.iceberg_lake import folder_table

    iceberg = folder_table(lake, table)
    return [] if iceberg is None else iceberg.scan().to_arrow().to_pylist()


def test_every_source_is_extracted_transformed_and_archived(first_run) -> None:
    lake, summary, _ = first_run
    assert summary.failures == []
    # my-playlists lands nothing itself; it expands into the sample user's own playlist
    assert summary.events_delivered == len(sample_sources()) == 9
    archived = _files(lake, RAW_PROCESSED)
    assert [key.split("/")[2] for key in archived] == sorted(
        ["album", "artist", "playlist", "recently-played", "saved-tracks", "top-tracks",
         "top-artists", "saved-albums", "followed-artists"]
    )
    assert not (lake / RAW_TO_PROCESS).exists() or _files(lake, RAW_TO_PROCESS) == []
    playlist_raw = next(key for key in archived if "/playlist/" in key)
    assert PLAYLIST_ID in playlist_raw and OTHER_USERS_PLAYLIST_ID not in "".join(archived)
    envelope = json.loads((lake / playlist_raw).read_text(encoding="utf-8"))
    assert envelope["source"]["type"] == "playlist" and len(envelope["items"]) == 125
    run_day = summary.run_at.date().isoformat()
    # every transform table is written (its Iceberg data, manifests and metadata files)
    assert {folder for folder in summary.written if folder.startswith("tables/")} == {
        f"tables/{table}/" for table in TABLES}
    assert Counter({folder: count for folder, count in summary.written.items()
                    if not folder.startswith("tables/")}) == Counter({
        "raw/processed/": 9,
        "state/recently-played/": 1,
        # the run log: one object per day, whoever wrote its rows (extract, transform, import)
        f"pipeline_runs/run_date={run_day}/": 1,
        # the sample export as uploaded, and its plays: one object per month (Aug-Nov 2026)
        "imports/demo/": 1, "processed/streams/": 4,
    })


def test_the_workers_publish_the_refresh_tokens_days_left(first_run) -> None:
    _, summary, _ = first_run
    days = [json.loads(line)["RefreshTokenDaysLeft"] for line in summary.metric_lines
            if "RefreshTokenDaysLeft" in line]
    # one per worker invocation (a message each: the planned ones and those my-playlists adds);
    # the sample token was authorized at the start of the run
    assert len(days) >= summary.planned > 0 and all(181.9 < value <= 182 for value in days)


def test_the_run_log_holds_the_run_and_the_summary_prints_its_day(first_run) -> None:
    lake, summary, _ = first_run
    health = summary.health()
    assert health is not None and health["run_date"] == summary.run_at.date().isoformat()
    assert (health["runs"], health["sources"], health["sources_landed"],
            health["sources_failed"], health["sources_deferred"]) == (1, 10, 9, 0, 0)
    # 9 sources land; my-playlists stands for the sample user's playlist, which is one of them
    assert (health["files_transformed"], health["files_quarantined"]) == (9, 0)
    # the worker's requests, as the client counted them and the metrics report them
    assert health["requests"] == summary.metrics["SpotifyRequests"] > 0
    assert summary.metrics["WorkerOutcome/landed"] == 9
    assert summary.metrics["WorkerOutcome/expanded"] == 1
    assert summary.metrics["RawFilesTransformed"] == 9
    connection = open_lake(lake)
    rows = run_sql(connection, "SELECT stage, source, outcome, items FROM pipeline_runs "
                               "WHERE stage = 'extract' ORDER BY source").as_dicts()
    assert [row["source"].split(":")[0] for row in rows] == sorted(
        ["album", "artist", "playlist", "recently-played", "saved-tracks", "top-tracks",
         "top-artists", "saved-albums", "followed-artists", "my-playlists"])
    landed = [row for row in rows if row["source"] != "my-playlists"]
    assert all(row["outcome"] == "landed" and row["items"] > 0 for row in landed)
    assert [row["outcome"] for row in rows if row["source"] == "my-playlists"] == ["expanded"]


def test_rows_per_table_match_the_parquet_files(first_run) -> None:
    lake, summary, _ = first_run
    assert summary.rows == {table: len(_table_rows(lake, table)) for table in TABLES}
    # a new lake holds only this run's rows
    assert {t: summary.rows_added[t] for t in TABLES} == summary.rows
    # the sample playlist: 125 items of which 3 null, 2 local files and 1 episode
    assert summary.rows["playlist_tracks"] == 119
    # the sample history is longer than Spotify keeps: the first run lands the last 50 plays
    assert summary.rows["plays"] == 50 and summary.rows["playlists"] == 1
    # the snapshot date is the day of the run (raw keys end in the run's UTC timestamp; the
    # first recently-played run, without a cursor yet, is named `after-<run time>`)
    run_days = {
        datetime.strptime(Path(key).stem.removeprefix("after-"), RAW_TIMESTAMP_FORMAT)
        .date().isoformat()
        for key in _files(lake, RAW_PROCESSED)
    }
    assert summary.snapshots == sorted(run_days)


def test_progress_names_every_stage_and_prints_every_query(first_run) -> None:
    _, summary, output = first_run
    assert len(summary.timings) == 8
    marks = [line[0] for line in output.splitlines() if line.startswith(("✓", "✗"))]
    assert marks == ["✓"] * 8
    assert "Plan " in output and "9 message(s) on the extract queue" in output
    assert "9 landed, 0 deferred, 0 dead-lettered" in output
    for query in load_named_queries():
        assert f"{query.name}: {query.description}" in output


def test_top_songs_of_day_values(first_run) -> None:
    lake, summary, _ = first_run
    all_songs = _table_rows(lake, "songs")
    latest = max(row["snapshot_date"] for row in all_songs)
    songs = [row for row in all_songs if row["snapshot_date"] == latest]
    names = {row["artist_id"]: row["artist_name"] for row in _table_rows(lake, "artists")}
    by_id: dict[str, dict] = {}
    for row in songs:
        entry = by_id.setdefault(row["song_id"], {**row, "appearances": 0})
        entry["appearances"] += 1
    ranked = sorted(
        by_id.values(),
        key=lambda r: (-(r["popularity"] if r["popularity"] is not None else -1),
                       -r["appearances"], r["song_name"], r["song_id"]),
    )[:20]
    result = summary.query_results["top_songs_of_day"].as_dicts()
    assert [(r["song_id"], r["popularity"], r["appearances"]) for r in result] == [
        (r["song_id"], r["popularity"], r["appearances"]) for r in ranked
    ]
    assert result[0]["artist_name"] == names[ranked[0]["artist_id"]]


def test_most_featured_artists_values(first_run) -> None:
    lake, summary, _ = first_run
    credits: dict[str, set[str]] = {}
    for row in _table_rows(lake, "songs"):
        for artist_id in row["artist_ids"]:
            credits.setdefault(artist_id, set()).add(row["song_id"])
    names = {row["artist_id"]: row["artist_name"] for row in _table_rows(lake, "artists")}
    expected = sorted(
        credits.items(), key=lambda item: (-len(item[1]), names.get(item[0]), item[0])
    )[:20]
    result = summary.query_results["most_featured_artists"].as_dicts()
    assert [(r["artist_id"], r["artist_name"], r["song_count"]) for r in result] == [
        (artist_id, names[artist_id], len(song_ids)) for artist_id, song_ids in expected
    ]
    # the bundled album has 62 tracks, all credited to its artist
    assert result[0]["song_count"] >= 62


def test_new_tracks_since_previous_snapshot_values(first_run, tmp_path: Path) -> None:
    lake, summary, _ = first_run
    assert summary.query_results["new_tracks_since_previous_snapshot"].rows == []
    # A previous day on which the playlist lacked three of today's tracks.
    today = _table_rows(lake, "playlist_tracks")
    removed = {row["song_id"] for row in today[5:8]}
    previous_day = (date.fromisoformat(today[0]["snapshot_date"]) - timedelta(days=1)).isoformat()
    copy = tmp_path / "lake"
    shutil.copytree(lake / "tables", copy / "tables")
    kept = [
        {key: value for key, value in row.items() if key not in ("snapshot_date", "source_file")}
        for row in today if row["song_id"] not in removed
    ]
    write_folder_rows(copy, "playlist_tracks",
                      pa.Table.from_pylist(kept, schema=SCHEMAS["playlist_tracks"]),
                      previous_day, "previous-day")

    result = run_sql(open_lake(copy), get_named_query("new_tracks_since_previous_snapshot").sql)
    rows = result.as_dicts()
    assert {row["song_id"] for row in rows} == removed
    assert [row["first_position"] for row in rows] == sorted(r["position"] for r in today[5:8])
    assert {row["previous_snapshot_date"] for row in rows} == {previous_day}


def _tutorial_paging_object(envelope: dict) -> dict:
    """A playlist-items page as the seed tutorial stored it (track under `track`)."""
    items = [
        {key: value for key, value in item.items() if key != "item"} | {"track": item["item"]}
        for item in envelope["items"]
    ]
    return {"href": "https://api.spotify.com/v1/playlists/x/tracks", "items": items, "limit": 100,
            "next": None, "offset": 0, "previous": None, "total": len(items)}


def _file_rows(lake: Path, pattern: str) -> dict[str, int]:
    """Rows per table that raw files named like `pattern` put into the tables."""
    return {table: sum(1 for row in _table_rows(lake, table)
                       if fnmatch(row["source_file"], pattern))
            for table in TABLES}


def test_second_run_adds_a_snapshot_and_transforms_pending_raw_files(
    first_run, tmp_path: Path
) -> None:
    lake, first, _ = first_run
    copy = tmp_path / "lake"
    shutil.copytree(lake, copy)
    playlist_raw = next(key for key in _files(lake, RAW_PROCESSED) if "/playlist/" in key)
    envelope = json.loads((lake / playlist_raw).read_text(encoding="utf-8"))
    pending = copy / RAW_TO_PROCESS / "tutorial" / "spotify_raw_2024-05-01 18:10:00.json"
    pending.parent.mkdir(parents=True)
    pending.write_text(json.dumps(_tutorial_paging_object(envelope)), encoding="utf-8")

    second, _ = _run(copy)

    assert second.failures == []
    assert second.seeded_objects > first.objects_written  # the first run's lake, and more
    # one more (the backfill) and one fewer: recently-played lands nothing after its cursor
    assert second.events_delivered == first.events_delivered + 1 - 1
    assert set(_files(lake, "tables")) < set(_files(copy, "tables"))
    assert set(_files(lake, RAW_PROCESSED)) < set(_files(copy, RAW_PROCESSED))
    assert _files(copy, RAW_TO_PROCESS) == []
    assert (copy / RAW_PROCESSED / "tutorial" / pending.name).is_file()
    # the backfilled page holds the same playlist items as today's playlist envelope (but no
    # playlist metadata); recently-played finds no play after the first run's cursor
    backfill = _file_rows(lake, "playlist__*") | {"playlists": 0}
    plays = _file_rows(lake, "recently-played__*")
    assert plays["plays"] == 50 and second.rows_added["plays"] == 0
    assert {t: second.rows_added[t] for t in TABLES} == {
        t: first.rows_added[t] + backfill[t] - plays[t] for t in TABLES
    }
    assert second.rows == {t: first.rows[t] + second.rows_added[t] for t in TABLES}
    assert second.snapshots == sorted({"2024-05-01", *first.snapshots})


def test_query_command_named_and_sql(first_run, capsys: pytest.CaptureFixture[str]) -> None:
    lake, summary, _ = first_run
    assert main(["query", "--lake", str(lake), "--named", "most_featured_artists",
                 "--format", "table"]) == 0
    out = capsys.readouterr().out
    top = summary.query_results["most_featured_artists"].as_dicts()[0]
    assert top["artist_id"] in out and "most_featured_artists" in out

    sql = "SELECT count(*) AS n, min(typeof(snapshot_date)) AS t FROM playlist_tracks"
    assert main(["query", "--lake", str(lake), sql]) == 0
    out = capsys.readouterr().out
    assert "119" in out and "VARCHAR" in out


def test_a_named_query_that_counts_plays_takes_the_rule(first_run, capsys) -> None:
    lake, summary, _ = first_run
    monthly = summary.query_results["plays_per_month"].as_dicts()  # run-local: cdk.json's 30 s
    assert main(["query", "--lake", str(lake), "--named", "plays_per_month", "--format", "json",
                 "--min-seconds", "30"]) == 0
    assert [row["plays"] for row in json.loads(capsys.readouterr().out)] == [
        row["plays"] for row in monthly]
    assert main(["query", "--lake", str(lake), "--named", "plays_per_reason_end",
                 "--min-seconds", "0", "--format", "json"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert sum(row["plays"] for row in every) == sum(row["rows_ended"] for row in every)
    assert main(["query", "--lake", str(lake), "--named", "plays_per_month",
                 "--min-seconds", "-1"]) == 2
    assert "--min-seconds: min_seconds: expected a whole number" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--named", "nope"], "unknown named query 'nope' (known: first_plays_of_latest_day, "),
        (["SELECT nope FROM songs"], "query failed: "),
    ],
)
def test_query_command_errors_are_one_line(
    first_run, capsys: pytest.CaptureFixture[str], arguments: list[str], expected: str
) -> None:
    lake, _, _ = first_run
    assert main(["query", "--lake", str(lake), *arguments]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: " + expected)
    assert captured.err.count("\n") == 1


def test_query_without_a_lake_says_to_run_the_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "--lake", str(tmp_path / "missing"), "SELECT 1"]) == 1
    err = capsys.readouterr().err
    assert "make demo" in err and err.count("\n") == 1


def test_run_local_live_without_credentials_fails_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "SPOTIFY_REFRESH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    lake = tmp_path / "lake"
    assert main(["run-local", "--live", "--lake", str(lake), "--source", "saved-tracks"]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "error: --live: set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (your Spotify app's "
        "credentials; SPOTIFY_REFRESH_TOKEN too for playlists and user sources)\n"
    )
    assert not lake.exists()


BROKEN_ID = "0123456789abcdefABCDEF"
"""A well-formed playlist ID (the transform takes only keys of the raw-key layout)."""


def test_run_local_failures_exit_non_zero_in_one_line_and_keep_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    broken = lake / RAW_TO_PROCESS / "playlist" / BROKEN_ID / "20240501T181000Z.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json", encoding="utf-8")
    missing = "playlist:37i9dQZF1DXcBWIGoYBM5M"  # Spotify-owned: 404 since Nov 2024
    exit_code = main(
        ["run-local", "--lake", str(lake), "--source", missing, "--source", "saved-tracks"]
    )
    captured = capsys.readouterr()
    assert exit_code == 1
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("error: Extract") and "37i9dQZF1DXcBWIGoYBM5M" in captured.err
    assert "1 raw file(s) quarantined under raw/failed/" in captured.err
    assert [key.split("/")[2] for key in _files(lake, RAW_PROCESSED)] == ["saved-tracks"]
    failed, report = _files(lake, "raw/failed")
    assert failed == f"raw/failed/playlist/{BROKEN_ID}/20240501T181000Z.json"
    assert report.startswith(failed + ".") and report.endswith(".error.json")
    quarantined = lake / f"raw/failed/playlist/{BROKEN_ID}/20240501T181000Z.json"
    assert quarantined.read_text() == "{not json"
    # both failures are in the run log, each with its reason
    rows = run_sql(open_lake(lake), "SELECT stage, source, outcome, error, run_date "
                                    "FROM pipeline_runs ORDER BY stage, source").as_dicts()
    by = {(row["stage"], row["source"]): row for row in rows}
    dead = by[("extract", missing)]
    assert dead["outcome"] == "dead_lettered" and "404" in dead["error"]
    assert by[("extract", "saved-tracks")]["outcome"] == "landed"
    quarantined = by[("transform", f"playlist:{BROKEN_ID}")]
    assert quarantined["outcome"] == "quarantined" and quarantined["run_date"] == "2024-05-01"
    assert quarantined["error"].startswith("line 1 column 2: not valid JSON")


def test_run_local_live_with_an_unknown_environment_names_the_configured_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).parents[2])  # cdk.json is read from the project folder
    lake = tmp_path / "lake"
    assert main(["run-local", "--live", "--env", "nope", "--lake", str(lake)]) == 1
    assert capsys.readouterr().err == (
        "error: --env nope: env: unknown environment 'nope' (configured: dev, prod)\n"
    )
    assert not lake.exists()


def test_run_local_lake_must_be_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "not-a-folder"
    lake.write_text("x", encoding="utf-8")
    assert main(["run-local", "--lake", str(lake)]) == 1
    assert capsys.readouterr().err == f"error: --lake {lake}: exists and is not a folder\n"
    assert lake.read_text(encoding="utf-8") == "x"


def test_listening_queries_values(first_run) -> None:
    lake, summary, _ = first_run
    plays = _table_rows(lake, "plays")
    durations = {row["song_id"]: row["duration_ms"] for row in _table_rows(lake, "songs")}
    days: dict = {}
    for row in plays:
        days.setdefault(row["played_at"].date(), []).append(row["song_id"])
    per_day = summary.query_results["listening_per_day"].as_dicts()
    assert [(r["day"], r["plays"], r["distinct_tracks"]) for r in per_day] == [
        (day, len(ids), len(set(ids))) for day, ids in sorted(days.items(), reverse=True)
    ]
    latest = max(days)
    minutes = round(sum(durations[song] for song in days[latest]) / 60000, 1)
    assert float(per_day[0]["minutes"]) == pytest.approx(minutes, abs=0.05)

    credits = {row["song_id"]: row["artist_ids"] for row in _table_rows(lake, "songs")}
    counts: Counter[str] = Counter(a for row in plays for a in credits[row["song_id"]])
    top = summary.query_results["top_artists_last_7_days"].as_dicts()
    assert [r["plays"] for r in top] == sorted(counts.values(), reverse=True)[:20]
    assert counts[top[0]["artist_id"]] == top[0]["plays"]

    first = summary.query_results["first_plays_of_latest_day"].as_dicts()
    firsts = sorted({min(r["played_at"] for r in plays if r["song_id"] == s): s
                     for s in {r["song_id"] for r in plays}}.items())
    assert [r["song_id"] for r in first] == [song for _, song in firsts][:50]
def _masked(line: str) -> str:
    """A stage line without what varies between runs: timings, ports."""
    line = re.sub(r"\d+\.\d+ s", "T s", line)
    return re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)


def test_the_readmes_sample_output_is_a_real_runs(first_run) -> None:
    _, summary, output = first_run
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split(f"```text\n{readme_demo.COMMAND}\n", 1)[1].split("```", 1)[0]
    stage_lines = [line for line in block.splitlines() if line.startswith(("✓", "✗"))]
    shown = [re.sub(r"\s+", " ", _masked(line)).strip() for line in output.splitlines()
             if line.startswith(("✓", "✗"))]
    expected = [re.sub(r"\s+", " ", _masked(line)).strip() for line in stage_lines]
    # The README's lake is ./.lake; the test's a temporary folder.
    assert [line.rsplit(" ", 1)[0] for line in expected] == [
        line.rsplit(" ", 1)[0] for line in shown]
    cells = _summary_cells(block)
    assert set(cells) == set(readme_demo.SHOWN_SUMMARY_ROWS)
    rows = ", ".join(f"{name} {summary.rows_added[name]}" for name in summary.rows)
    assert cells["rows added"] == rows
    # The run log row as this run's summary prints it, its day masked (runs differ in date).
    assert _undated(cells["run log"]) == _undated(describe_health(summary.health()))


def _undated(text: str) -> str:
    return re.sub(r"\d{4}-\d{2}-\d{2}", "DAY", text)


def _summary_cells(block: str) -> dict[str, str]:
    """The summary box of a printed run as {label: text}, wrapped cells joined again."""
    cells: dict[str, str] = {}
    label = ""
    for line in block.splitlines():
        parts = [part.strip() for part in line.split("│")[1:-1]]
        if len(parts) != 2:
            continue
        label = parts[0] or label
        cells[label] = f"{cells[label]} {parts[1]}" if parts[0] == "" else parts[1]
    return cells
