"""recently-played with a cursor against the local Spotify (which keeps only the last 50 plays):
the CLI keeps its cursor under --out, fetches only newer plays, and the plays table holds each
play once however many runs saw it; a full page newer than the cursor is reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.landing import land_source
from spotify_runtime.extract.state import StateError
from spotify_runtime.layout import RAW_TO_PROCESS, state_key
from spotify_runtime.sources import Source
from spotify_runtime.transform.raw_to_parquet import transform_raw_file

from bench.listening_bench import landed_plays
from spotify_etl.cli import main
from spotify_local.folder_store import FolderStore
from spotify_local.spotify.library import played_at_ms

SOURCE = Source("recently-played")


def _ms(text: str) -> int:
    return played_at_ms(text)


@pytest.fixture
def env(monkeypatch, fake):
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", fake.client_secret)
    monkeypatch.setenv("SPOTIFY_REFRESH_TOKEN", fake.refresh_token)


def _extract(fake, out: Path) -> int:
    return main(["extract", "--out", str(out), "--api-url", fake.api_url,
                 "--accounts-url", fake.accounts_url, "--source", "recently-played"])


def _history(fake) -> list[str]:
    return sorted(play["played_at"] for play in fake.content.recently_played)


def test_the_cli_keeps_its_cursor_under_out_and_fetches_only_newer_plays(env, fake, tmp_path,
                                                                         capsys):
    history = _history(fake)
    assert len(history) > 60
    fake.listening_clock = lambda: _ms(history[39])  # 40 plays have happened
    assert _extract(fake, tmp_path) == 0
    cursor = json.loads((tmp_path / state_key("recently-played", "me")).read_text())
    assert cursor["after_ms"] == _ms(history[39])

    assert _extract(fake, tmp_path) == 0  # nothing new: nothing written, cursor unchanged
    assert "0 items (no plays since " in capsys.readouterr().out
    fake.listening_clock = lambda: _ms(history[-1])  # the rest of the morning
    fake.clear_log()
    assert _extract(fake, tmp_path) == 0
    asked = [r.query for r in fake.requests if r.path.endswith("/recently-played")]
    assert asked == [{"limit": "50", "after": str(_ms(history[39]))}]

    raws = sorted((tmp_path / RAW_TO_PROCESS / "recently-played" / "me").glob("*.json"))
    assert len(raws) == 2  # the empty run wrote no file
    played = landed_plays(tmp_path)
    assert len(played) == len(set(played)) == len(history)  # every play once
    assert sorted(p.isoformat() for p in played) == sorted(
        datetime.fromisoformat(h.replace("Z", "+00:00")).isoformat() for h in history
    )


def test_a_full_page_newer_than_the_cursor_is_reported_with_its_interval(env, fake, tmp_path,
                                                                         capsys):
    history = _history(fake)
    fake.listening_clock = lambda: _ms(history[4])
    assert _extract(fake, tmp_path) == 0
    capsys.readouterr()
    fake.listening_clock = lambda: _ms(history[-1])  # more than 50 plays since: some are gone
    assert _extract(fake, tmp_path) == 0
    err = capsys.readouterr().err
    oldest_served = sorted(history)[-50]
    assert err.startswith("warning: recently-played: 50 plays newer than the cursor")
    assert history[4][:19] in err and oldest_served[:19] in err
    second = [json.loads(raw.read_text()) for raw in
              (tmp_path / RAW_TO_PROCESS / "recently-played" / "me").glob("*.json")]
    second = [envelope for envelope in second if envelope["metadata"]["after_ms"] is not None]
    assert len(second) == 1 and second[0]["metadata"]["possible_gap"] is True
    assert len(second[0]["items"]) == 50


def test_a_retry_before_the_cursor_moved_overwrites_the_same_files(make_client, fake, tmp_path):
    """The run landed its plays but could not save the cursor; its retry, from the same cursor
    and with newer plays by then, writes the same key: the plays table has no duplicate."""
    history = _history(fake)
    client = make_client()
    sink = FolderStore(tmp_path)
    cursors = FolderStore(tmp_path)
    run_at = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    fake.listening_clock = lambda: _ms(history[20])
    land_source(client, SOURCE, sink, run_at=run_at, deadline=Deadline.unlimited(),
                cursors=cursors)
    fake.listening_clock = lambda: _ms(history[30])

    class FailingCursors(FolderStore):
        def advance(self, key, after_ms):
            raise StateError("cannot write state: disk full")

    failed = land_source(client, SOURCE, sink, run_at=run_at, deadline=Deadline.unlimited(),
                         cursors=FailingCursors(tmp_path))
    assert isinstance(failed.error, StateError)
    fake.listening_clock = lambda: _ms(history[35])  # the retry comes later, with more plays
    retried = land_source(client, SOURCE, sink, run_at=run_at,
                          deadline=Deadline.unlimited(), cursors=cursors)
    assert retried.ok and retried.item_count == 15
    raws = list((tmp_path / RAW_TO_PROCESS / "recently-played" / "me").glob("*.json"))
    assert len(raws) == 2  # the first run's, and one from the cursor (the retry overwrote it)
    played = landed_plays(tmp_path)
    assert len(played) == len(set(played)) == 36


def test_a_damaged_cursor_fails_the_run_instead_of_starting_over(make_client, fake, tmp_path):
    path = tmp_path / state_key("recently-played", "me")
    path.parent.mkdir(parents=True)
    path.write_text("not json")
    outcome = land_source(make_client(), SOURCE, FolderStore(tmp_path),
                          run_at=datetime(2026, 11, 24, tzinfo=UTC),
                          deadline=Deadline.unlimited(),
                          cursors=FolderStore(tmp_path))
    assert isinstance(outcome.error, StateError) and "not a cursor document" in str(outcome.error)
    assert not (tmp_path / RAW_TO_PROCESS).exists()


def test_the_stand_in_refuses_what_spotify_refuses(make_client, fake):
    from spotify_runtime.extract.errors import ExtractError

    client = make_client()
    for params in ({"limit": 51}, {"limit": 0}, {"after": 1, "before": 2}):
        with pytest.raises(ExtractError, match="HTTP 400"):
            client.get("me/player/recently-played", params, deadline=Deadline.unlimited())
    page = client.get("me/player/recently-played", {"limit": 50}, deadline=Deadline.unlimited())
    assert len(page["items"]) == 50 < len(fake.content.recently_played)  # the last 50 only
    served = [_ms(item["played_at"]) for item in page["items"]]
    assert served == sorted(served, reverse=True)
    assert page["cursors"] == {"after": str(served[0]), "before": str(served[-1])}


def test_a_listening_file_is_partitioned_by_its_cursor_not_by_when_it_ran(make_client, fake):
    """A retry from the same cursor the next day must overwrite, not add a second partition."""
    from spotify_runtime.extract.listening import extract_recently_played

    class Cursor:
        def read(self, key):
            return _ms("2026-11-24T00:00:00.000Z")

    listening = extract_recently_played(make_client(), SOURCE, Cursor(),
                                        run_at=datetime(2026, 11, 25, 1, tzinfo=UTC),
                                        deadline=Deadline.unlimited())
    assert listening.key.endswith("/after-20261124T000000000Z.json")
    envelope = dict(listening.envelope, extracted_at="2026-11-25T01:00:04Z")
    result = transform_raw_file(json.dumps(envelope).encode(), listening.key)
    assert result.snapshot_date.isoformat() == "2026-11-24"
    assert all("/snapshot_date=2026-11-24/" in key for key in result.outputs)
