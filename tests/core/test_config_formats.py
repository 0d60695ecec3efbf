"""Every field of an AWS cron, and versions and names by format, are checked at synth."""

import pytest

from infra.config import ConfigError, parse_config
from infra.cron import CronError, check_cron


def _settings(**overrides):
    return parse_config({"defaults": {}, "environments": {"dev": overrides}}).environments["dev"]


@pytest.mark.parametrize("expression", [
    "10 18 * * ? *", "0 3 ? * MON *", "0/15 8-18 ? * MON-FRI *", "0 12 L * ? *",
    "0 12 15W * ? *", "0 12 LW JAN,JUL ? 2026-2030", "5,35 */2 ? * 6#3 *", "0 0 ? * 6L *",
    "0 0 1 1 ? 2199", "59 23 31 DEC ? *", "0 0 ? * sun *", "0 0 ? * 1-7 *", "0 0 1-15/2 * ? *",
])
def test_valid_aws_cron_expressions(expression):
    check_cron(expression)
    assert _settings(schedule_cron=expression).schedule_cron == expression


@pytest.mark.parametrize(("expression", "message"), [
    ("10 18 32 13 ? *", "day-of-month '32': value 32 is out of range (1-31)"),
    ("10 18 1 13 ? *", "month '13': value 13 is out of range (1-12)"),
    ("10 18 ? * FOO *", "day-of-week 'FOO': 'FOO' is not a number 1-7 or SUN-SAT"),
    ("10 18 ? * 8 *", "day-of-week '8': value 8 is out of range (1-7)"),
    ("10 18 ? * MON#6 *", "the week after '#' must be 1 to 5"),
    ("60 18 * * ? *", "minutes '60': value 60 is out of range (0-59)"),
    ("10 25 * * ? *", "hours '25': value 25 is out of range (0-23)"),
    ("10 18 0 * ? *", "day-of-month '0': value 0 is out of range"),
    ("10 18 * * ? 1969", "year '1969': value 1969 is out of range (1970-2199)"),
    ("10 18 * * ? 2300", "value 2300 is out of range"),
    ("10 18 * * * *", "exactly one of day-of-month and day-of-week must be '?'"),
    ("10 18 ? * ? *", "exactly one of day-of-month and day-of-week must be '?'"),
    ("? 18 * * ? *", "minutes: '?' is allowed only in day-of-month and day-of-week"),
    ("10 18-6 * * ? *", "the range 18-6 runs backwards"),
    ("*/0 18 * * ? *", "the step after '/' must be at least 1"),
    ("10 18 * * ?", "expected 6 fields"),
    ("10 18 * * ? * *", "expected 6 fields"),
    ("cron(10 18 * * ? *)", "without cron(...)"),
    ("rate(1 day)", "rate and at expressions are not accepted"),
    ("10 18 * JAN-FOO ? *", "'FOO' is not a number 1-12 or JAN-DEC"),
    ("10 1x * * ? *", "'1x' is not a number 0-23"),
    ("10 18 5L * ? *", "'5L' is not a number 1-31"),
])
def test_invalid_cron_names_the_field(expression, message):
    with pytest.raises(CronError) as caught:
        check_cron(expression)
    assert message in str(caught.value)
    with pytest.raises(ConfigError) as config_error:
        _settings(schedule_cron=expression)
    assert str(config_error.value).startswith("spotify-etl.environments.dev.schedule_cron: ")
    assert message in str(config_error.value)


@pytest.mark.parametrize("version", ["latest", "3.16", "v3.16.1", "3.16.1 ", "", None, 3.16])
def test_pandas_layer_version_is_major_minor_patch(version):
    with pytest.raises(ConfigError, match=r"pandas_layer_version: .* is not a layer version"):
        _settings(pandas_layer_version=version)


def test_pandas_layer_version_accepts_a_release():
    assert _settings(pandas_layer_version="3.17.1").pandas_layer_version == "3.17.1"


@pytest.mark.parametrize("name", ["has space", "", "x" * 513, "semi;colon"])
def test_secret_name_by_format(name):
    with pytest.raises(ConfigError, match=r"secret_name: .* is not a Secrets Manager secret name"):
        _settings(secret_name=name)


@pytest.mark.parametrize(("doc", "cron"), [("docs/configuration.md", "10 25 * * ? *"),
                                           ("docs/configuration.md", "10 18 * * *")])
def test_the_docs_example_errors_are_the_real_ones(doc, cron):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / doc).read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        _settings(schedule_cron=cron)
    assert str(caught.value) in text.replace("\n", " ")


@pytest.mark.parametrize(("value", "message"), [
    ("2026-02-30", "is not a day like '2026-01-01'"),
    ("20260101", "is not a day like '2026-01-01'"),
    ("2026-1-1", "is not a day like '2026-01-01'"),
    (20260101, "is not a day like '2026-01-01'"),
    (None, "is not a day like '2026-01-01'"),
    ("2008-10-06", "outside 2008-10-07 (Spotify's launch) to today"),
    ("2199-01-01", "outside 2008-10-07 (Spotify's launch) to today"),
])
def test_lake_start_date_is_a_past_day(value, message):
    with pytest.raises(ConfigError) as caught:
        _settings(lake_start_date=value)
    assert str(caught.value).startswith("spotify-etl.environments.dev.lake_start_date: ")
    assert message in str(caught.value)
    assert _settings(lake_start_date="2019-06-01").lake_start_date == "2019-06-01"


def test_the_removed_crawler_cron_says_what_to_do():
    with pytest.raises(ConfigError, match=r"environments\.dev\.crawler_cron: the Glue crawler is "
                       r"gone .*delete this key"):
        _settings(crawler_cron="0 3 ? * MON *")
