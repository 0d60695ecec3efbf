"""Every CLI entry point under misuse: one line on stderr, no traceback, non-zero exit.

The table runs `main(argv)` in this process (an uncaught exception fails the case); what only a
real process shows (a closed pipe at exit, the environment botocore reads) runs
`python -m spotify_etl ...` in a child process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from spotify_etl.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "raw" / "playlist_envelope.json"
_NO_AWS = {"AWS_REGION": None, "AWS_DEFAULT_REGION": None, "AWS_PROFILE": None,
           "AWS_ENDPOINT_URL": None, "SPOTIFY_CLIENT_ID": None, "SPOTIFY_CLIENT_SECRET": None,
           "SPOTIFY_REFRESH_TOKEN": None}


def _cli(argv: list[str], cwd: Path, env: dict[str, str | None] | None = None,
         stdout: int = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    for name, value in {**_NO_AWS, **(env or {})}.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "lambdas")])
    return subprocess.run([sys.executable, "-m", "spotify_etl", *argv], cwd=cwd, env=environ,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120,
                          check=False)


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a file, an empty lake and a directory to misuse as inputs."""
    base = tmp_path_factory.mktemp("misuse")
    (base / "a-file").write_text("x", encoding="utf-8")
    (base / "lake" / "processed").mkdir(parents=True)
    (base / "a-dir.json").mkdir()
    return base


# (argv with {base} for the module's folder, what the one line must contain)
CASES = [
    ([], "required: COMMAND"),
    (["nope"], "invalid choice: 'nope'"),
    (["query", "--lake", "{base}/lake", "SELECT 1", "--frobnicate"],
     "unrecognized arguments: --frobnicate"),
    (["transform"], "required: INPUT.json, --out"),
    (["transform", "{base}/missing.json", "--out", "{base}/out"], "No such file"),
    (["transform", "{base}/a-dir.json", "--out", "{base}/out"], "Is a directory"),
    (["transform", str(FIXTURE), "--out", "{base}/a-file/sub"], "a-file"),
    (["transform", str(FIXTURE), "--out", "{base}/out", "--snapshot-date", "yesterday"],
     "'yesterday' is not a date"),
    (["query", "--lake", "{base}/lake", ""], "no statement (only blanks or comments)"),
    (["query", "--lake", "{base}/lake", "-- only a comment"], "no statement"),
    (["query", "--lake", "{base}/lake", "SELEC 1"], "query failed"),
    (["query", "--lake", "{base}/lake", "SELECT * FROM nope"], "query failed"),
    (["query", "--lake", "{base}/no-lake", "SELECT 1"], "no lake at"),
    (["query", "--lake", "{base}/lake", "--named", "nope"], "nope"),
    (["query"], "one of the arguments sql --named is required"),
    (["run-local", "--lake", "{base}/a-file"], "exists and is not a folder"),
    (["run-local", "--lake", "{base}/a-file/sub/lake"], "is a file, not a folder"),
    (["run-local", "--lake", "/proc/spotify-etl/lake"], "--lake /proc/spotify-etl/lake"),
    (["run-local", "--rate-limit", "50"], "--rate-limit applies only to the simulation"),
    (["run-local", "--summary-json", "{base}/s.json"], "--summary-json applies only"),
    (["run-local", "--sources", "10", "--live"], "--live does not apply to the simulation"),
    (["run-local", "--sources", "10", "--source", "saved-tracks"], "--source does not apply"),
    (["run-local", "--sources", "0"], "--sources must be at least 1"),
    (["run-local", "--sources", "ten"], "invalid int value: 'ten'"),
    (["run-local", "--env", "nope", "--lake", "{base}/lake2"], "unknown environment 'nope'"),
    (["run-local", "--source", "bogus:1", "--lake", "{base}/lake3"], "--source"),
    (["run-local", "--live", "--lake", "{base}/lake4"], "SPOTIFY_CLIENT_ID"),
    (["extract", "--source", "bogus", "--out", "{base}/raw"], "--source"),
    (["extract", "--source", "album:4aawyAB9vmqN3uQ7FjRGTy", "--out", "{base}/raw",
      "--deadline", "-1"],
     "--deadline must be a positive"),
    (["extract", "--source", "saved-tracks", "--out", "{base}/raw"], "SPOTIFY_CLIENT_ID"),
    (["auth"], "one of the arguments --env --secret-id --print is required"),
    (["auth", "--print", "--port", "abc"], "invalid int value: 'abc'"),
    (["auth", "--env", "nope"], "unknown environment 'nope'"),
    (["auth", "--secret-id", "s"], "no AWS region: set AWS_REGION"),
]


@pytest.mark.parametrize(("argv", "expected"), CASES, ids=[" ".join(c[0]) or "-" for c in CASES])
def test_misuse_is_one_line_without_a_traceback(
    place: Path, argv: list[str], expected: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # cdk.json is read from the project folder
    for name in _NO_AWS:
        monkeypatch.delenv(name, raising=False)
    try:
        status = main([word.replace("{base}", str(place)) for word in argv])
    except SystemExit as exit_:  # argparse's usage errors
        status = exit_.code
    err = capsys.readouterr().err
    assert status not in (0, None), err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert expected in err, err


def test_auth_with_env_uses_that_environments_region(tmp_path: Path) -> None:
    """No AWS region in the environment: `--env dev` asks cdk.json's region, not botocore."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        done = _cli(["auth", "--env", "dev"], cwd=ROOT, env={
            "AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing"})
    finally:
        server.stop()
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error: cannot read stack SpotifyEtl-dev-Ingest (")
    assert "region" not in done.stderr


def test_a_closed_pipe_stops_quietly(tmp_path: Path) -> None:
    """`transform ... | head`: the reader is gone before the summary is printed."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = _cli(["transform", str(FIXTURE), "--out", str(tmp_path / "out")], cwd=ROOT,
                    stdout=write)
    finally:
        os.close(write)
    assert done.stderr == "" and done.returncode == 141
    assert list((tmp_path / "out").rglob("*.parquet"))  # the work itself was done
