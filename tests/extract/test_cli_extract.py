import json
from pathlib import Path

import pytest
from spotify_runtime.layout import RAW_TO_PROCESS

from spotify_etl.cli import main
from spotify_local.spotify.content import (
    ALBUM_ID,
    EDITORIAL_PLAYLIST_ID,
    MANY_ALBUMS_ARTIST_ID,
    MANY_ALBUMS_TRACKS,
    PLAYLIST_ID,
)
from spotify_local.spotify.server import FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN


@pytest.fixture
def env(monkeypatch, fake):
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", fake.client_secret)
    monkeypatch.setenv("SPOTIFY_REFRESH_TOKEN", fake.refresh_token)


def run(fake, tmp_path, *sources, extra=()):
    args = ["extract", "--out", str(tmp_path), "--api-url", fake.api_url,
            "--accounts-url", fake.accounts_url, *extra]
    for source in sources:
        args += ["--source", source]
    return main(args)


def test_extract_writes_the_s3_layout_and_prints_one_line_per_source(env, fake, tmp_path, capsys):
    status = run(fake, tmp_path, f"playlist:{PLAYLIST_ID}",
                 f"https://open.spotify.com/album/{ALBUM_ID}")
    out, err = capsys.readouterr()
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"playlist:{PLAYLIST_ID}: 125 items -> ")
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json"))
    assert [f.rsplit("/", 1)[0] for f in files] == [
        f"{RAW_TO_PROCESS}album/{ALBUM_ID}", f"{RAW_TO_PROCESS}playlist/{PLAYLIST_ID}"]
    envelope = json.loads(Path(tmp_path, files[1]).read_text(encoding="utf-8"))
    assert len(envelope["items"]) == 125
    assert fake.count("/api/token") == 1


def test_extract_an_artist_lands_every_track_at_the_lower_bound(env, fake, tmp_path, capsys):
    assert run(fake, tmp_path, f"artist:{MANY_ALBUMS_ARTIST_ID}") == 0
    assert capsys.readouterr().out.startswith(
        f"artist:{MANY_ALBUMS_ARTIST_ID}: {sum(MANY_ALBUMS_TRACKS)} items -> ")
    # 1 token + 1 artist + ceil(23 / 10) album pages + 1 tracks page per album
    assert len(fake.requests) == 1 + 1 + 3 + 23


def test_failures_are_one_line_each_with_non_zero_exit(env, fake, tmp_path, capsys):
    fake.inject_fault(429, "/v1/albums/", retry_after=900)
    status = run(fake, tmp_path, f"playlist:{EDITORIAL_PLAYLIST_ID}", f"album:{ALBUM_ID}",
                 "recently-played", extra=["--deadline", "60"])
    out, err = capsys.readouterr()
    assert status == 1
    assert out.splitlines()[0].startswith("recently-played: 50 items")
    errors = err.splitlines()
    assert len(errors) == 2 and "Traceback" not in err
    assert errors[0].startswith(f"error: playlist:{EDITORIAL_PLAYLIST_ID}: Spotify answered 404")
    assert errors[1].startswith(f"error: album:{ALBUM_ID}: ") and "900 s" in errors[1]
    for secret in (FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN):
        assert secret not in out + err


def test_bad_credentials_fail_each_source_naming_the_env_vars(env, fake, tmp_path, capsys,
                                                              monkeypatch):
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", "wrong-secret")
    status = run(fake, tmp_path, f"album:{ALBUM_ID}")
    _, err = capsys.readouterr()
    assert status == 1 and "SPOTIFY_CLIENT_ID/SPOTIFY_CLIENT_SECRET" in err
    assert "wrong-secret" not in err and "Traceback" not in err


def test_missing_credentials_and_bad_sources_are_one_line(fake, tmp_path, capsys, monkeypatch):
    for name in ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "SPOTIFY_REFRESH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert run(fake, tmp_path, f"album:{ALBUM_ID}") == 1
    assert capsys.readouterr().err == (
        "error: set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (your Spotify app's credentials;"
        " SPOTIFY_REFRESH_TOKEN too for playlists and user sources)\n"
    )
    assert run(fake, tmp_path, "playlist:nope") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "22-character Spotify ID" in err
    assert fake.count("") == 0


def test_user_source_without_refresh_token_names_the_variable(env, fake, tmp_path, capsys,
                                                              monkeypatch):
    monkeypatch.delenv("SPOTIFY_REFRESH_TOKEN")
    assert run(fake, tmp_path, "saved-tracks", f"album:{ALBUM_ID}") == 1
    out, err = capsys.readouterr()
    assert err == ("error: saved-tracks: needs a user authorization: set SPOTIFY_REFRESH_TOKEN "
                   "(get one with `python -m spotify_etl auth`)\n")
    assert out.startswith(f"album:{ALBUM_ID}: 62 items")


def test_expired_refresh_token_is_one_line_naming_the_command_and_albums_still_land(
    env, fake, tmp_path, capsys
):
    fake.expire_refresh_tokens()
    status = run(fake, tmp_path, "saved-tracks", f"album:{ALBUM_ID}", f"playlist:{PLAYLIST_ID}",
                 "recently-played")
    out, err = capsys.readouterr()
    assert status == 1
    assert out.startswith(f"album:{ALBUM_ID}: 62 items -> ") and out.count("\n") == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: saved-tracks, playlist:{PLAYLIST_ID}, recently-played: ")
    assert "invalid_grant" in err and "`python -m spotify_etl auth --print, then set " in err
    # no retries: one refused refresh, one client-credentials token, no user request
    assert fake.count("/api/token", status=400) == 1 and fake.count("/api/token") == 2
    assert fake.count("/v1/(me|playlists)/") == 0


def test_quota_429_stops_at_once_saying_when_spotify_accepts_requests_again(
    env, fake, tmp_path, capsys
):
    fake.exhaust_quota(86_400)
    status = run(fake, tmp_path, f"album:{ALBUM_ID}", f"playlist:{PLAYLIST_ID}",
                 "saved-tracks")
    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: Spotify's request quota ")
    assert "QUOTA_EXCEEDED" in err and "in 24 h 00 min" in err
    assert "accepts requests again at" in err
    assert fake.count("/v1/") == 1  # nothing after the quota 429
    assert list(tmp_path.rglob("*.json")) == []


def test_rotated_refresh_token_is_shown_with_how_to_store_it(env, fake, tmp_path, capsys):
    fake.rotate_refresh_tokens = True
    assert run(fake, tmp_path, "saved-tracks") == 0
    err = capsys.readouterr().err
    assert err == (f"note: Spotify issued a new refresh token; the one in SPOTIFY_REFRESH_TOKEN "
                   f"may no longer work: export SPOTIFY_REFRESH_TOKEN='{fake.refresh_token}'\n")
    assert fake.refresh_token != FAKE_REFRESH_TOKEN


def test_the_deadline_is_finite_by_default():
    from spotify_runtime.contract import WORKER_TIMEOUT_SECONDS

    from spotify_etl.cli import build_parser

    args = build_parser().parse_args(["extract", "--source", "saved-tracks", "--out", "x"])
    assert args.deadline == WORKER_TIMEOUT_SECONDS
