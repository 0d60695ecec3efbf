"""`python -m spotify_etl report`: options, one-line errors, the default file."""

from __future__ import annotations

import html
from datetime import date, datetime
from pathlib import Path

import pytest
from spotify_runtime.layout import PROCESSED
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import athena_value

from infra.config import load_environment
from spotify_etl.cli import main
from spotify_local.lake_queries import LakeQueries
from tests.report.conftest import SIMULATED_LAST_DAY

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("argv", "message"), [
    (["--to", "2026-01-01"], "--to needs --from"),
    (["--from", "2026-02-01", "--to", "2026-01-01"], "ends (2026-01-01) before it starts"),
    (["--time-zone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
    (["--lake", "no-such-lake"], "no lake at no-such-lake"),
    (["--env", "nowhere"], "--env nowhere: env: unknown environment 'nowhere'"),
    (["--min-seconds", "-5"], "--min-seconds: min_seconds: expected a whole number"),
])
def test_mistakes_are_one_line(argv, message, tmp_path: Path, monkeypatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    assert main(["report", "--out", str(tmp_path / "r.html"), *argv]) != 0
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "r.html").exists()


def test_writes_report_html_here_by_default(simulated_lake: Path, tmp_path: Path, monkeypatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no cdk.json here: hours in UTC
    assert main(["report", "--lake", str(simulated_lake), "--year",
                 str(SIMULATED_LAST_DAY.year)]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "When you listen (UTC)" in page
    assert str(tmp_path / "report.html") in capsys.readouterr().out


def test_period_options() -> None:
    assert Period.year(2026) == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert Period.last_12_months(date(2026, 12, 4)).days == 365
    march = Period(date(2026, 3, 1), date(2026, 3, 31))
    assert march.parameters(["start_day", "end_day", "end_day"]) == [
        "2026-03-01", "2026-03-31", "2026-03-31"]
    with pytest.raises(ValueError, match="unknown report query parameter"):
        march.parameters(["month"])
    assert march.parameters(["min_ms_played", "end_day"], PlayRule(45)) == ["45000", "2026-03-31"]
    with pytest.raises(ValueError, match="min_ms_played"):
        march.parameters(["min_ms_played"])  # a query that counts plays needs the rule


def test_athena_text_becomes_python_values() -> None:
    assert athena_value("12", "bigint") == 12
    assert athena_value("9.5", "double") == 9.5
    assert athena_value("true", "boolean") is True
    assert athena_value("2026-05-01", "date") == date(2026, 5, 1)
    assert athena_value("2026-05-01 10:00:00.000", "timestamp") == datetime(2026, 5, 1, 10)
    assert athena_value(None, "bigint") is None
    assert athena_value("x", "varchar") == "x"


def test_every_report_query_is_documented() -> None:
    from spotify_runtime.report.queries import report_queries

    doc = (REPO / "docs" / "report.md").read_text(encoding="utf-8")
    for name in report_queries():
        assert f"| `{name}` |" in doc, name


def test_the_header_states_the_rule_and_min_seconds_changes_it(
        export_listening, tmp_path: Path, monkeypatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    lake = tmp_path / "lake"
    (lake / PROCESSED).mkdir(parents=True)
    monkeypatch.setattr("spotify_etl.commands.report.LakeQueries",
                        lambda _lake: LakeQueries(lake, export_listening))
    monkeypatch.chdir(REPO)  # cdk.json: play_min_seconds 30
    base = ["report", "--lake", str(lake), "--from", "2026-03-01", "--to", "2026-03-31"]
    assert main([*base, "--out", str(tmp_path / "default.html")]) == 0
    assert main([*base, "--min-seconds", "0", "--out", str(tmp_path / "every.html")]) == 0
    out = capsys.readouterr().out
    assert "report: 5 plays (30 s or more)" in out and "report: 6 plays (0 s or more)" in out
    default = (tmp_path / "default.html").read_text(encoding="utf-8")
    every = (tmp_path / "every.html").read_text(encoding="utf-8")
    assert html.escape(PlayRule(30).in_words()) in default
    assert "played for 30 seconds or more" in default
    assert "every row of listening history counts as a play" in every
    assert "only the Spotify API recorded counts whatever its length" in every


def test_the_rule_in_python_matches_the_sql() -> None:
    rule = PlayRule(30)
    assert [rule.counts(ms) for ms in (None, 0, 29_999, 30_000)] == [True, False, False, True]
    assert PlayRule(0).counts(0) and rule.min_ms_played == 30_000
    for bad in (-1, 3601, 1.5, True):
        with pytest.raises(ValueError, match="min_seconds"):
            PlayRule(bad)
    assert load_environment("dev").play_rule == rule  # cdk.json's default
