import json
from pathlib import Path

import pytest

from infra.config import ConfigError, parse_config, parse_environment, sources_json

ROOT = Path(__file__).resolve().parents[2]


def context(**env_overrides):
    return {"defaults": {}, "environments": {"dev": env_overrides}}


def test_cdk_json_parses_with_documented_defaults():
    config = parse_config(json.loads((ROOT / "cdk.json").read_text())["context"]["spotify-etl"])
    assert set(config.environments) >= {"dev", "prod"}
    dev, prod = config.environments["dev"], config.environments["prod"]
    assert dev.schedule_cron == "10 18 * * ? *" and dev.schedule_time_zone == "UTC"
    assert dev.destroy_on_removal is True and prod.destroy_on_removal is False
    assert dev.stage_name == "SpotifyEtl-dev"
    assert dev.refresh_token_alarm_days == 30


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"schedule_cron": "10 18 * * *"}, "environments.dev.schedule_cron"),
        ({"schedule_cron": "10 25 * * ? *"}, "environments.dev.schedule_cron"),
        ({"lake_start_date": "01/01/2026"}, "environments.dev.lake_start_date"),
        ({"schedule_time_zone": "Mars/Olympus"}, "environments.dev.schedule_time_zone"),
        ({"sources": ["playlist:nope"]}, "environments.dev.sources[0]"),
        ({"alert_email": "not-an-email"}, "environments.dev.alert_email"),
        ({"account": "12345"}, "environments.dev.account"),
        ({"retention": 3}, "environments.dev.retention"),
        ({"extract_max_concurrency": 1}, "environments.dev.extract_max_concurrency"),
        ({"destroy_on_removal": "yes"}, "environments.dev.destroy_on_removal"),
        ({"refresh_token_alarm_days": 0}, "environments.dev.refresh_token_alarm_days"),
        ({"refresh_token_alarm_days": 200}, "environments.dev.refresh_token_alarm_days"),
        ({"transform_max_concurrency": 1}, "environments.dev.transform_max_concurrency"),
        ({"transform_max_receive_count": 0}, "environments.dev.transform_max_receive_count"),
        ({"athena_results_expiration_days": 0},
         "environments.dev.athena_results_expiration_days"),
        ({"play_min_seconds": -1}, "environments.dev.play_min_seconds"),
        ({"play_min_seconds": "30"}, "environments.dev.play_min_seconds"),
        ({"play_min_seconds": 3601}, "environments.dev.play_min_seconds"),
    ],
)
def test_mistakes_name_the_key(overrides, key):
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_config(context(**overrides))


def test_unknown_environment_is_named():
    config = parse_config(context())
    with pytest.raises(ConfigError, match="unknown environment 'staging'"):
        config.select("staging")
    assert [e.name for e in config.select(None)] == ["dev"]


def test_environment_overrides_defaults():
    config = parse_config(
        {
            "defaults": {"log_retention_days": 7},
            "environments": {"a": {}, "b": {"log_retention_days": 30}},
        }
    )
    assert config.environments["a"].log_retention_days == 7
    assert config.environments["b"].log_retention_days == 30


def test_thousands_of_sources_are_accepted_and_deduplicated():
    # The planner reads its list from a file in a layer, not from its 4 KB environment.
    playlist_ids = [f"playlist:{index:022d}" for index in range(5000)]
    settings = parse_config(context(sources=playlist_ids + playlist_ids[:10])).environments["dev"]
    assert len(settings.sources) == 5000
    assert json.loads(sources_json(settings.sources)) == playlist_ids


@pytest.mark.parametrize("cron", ["0 * * * ? *", "*/30 * * * ? *", "15 */2 * * ? *",
                                  "0 0,2,4,6,8,10,12,14,16,18,20,22 * * ? *"])
def test_listening_schedules_at_most_two_hours_apart_are_accepted(cron):
    settings = parse_config(context(listening_schedule_cron=cron)).environments["dev"]
    assert settings.listening_schedule_cron == cron


@pytest.mark.parametrize(("cron", "fragment"), [
    ("0 */3 * * ? *", "leaves 3 hours between runs"),
    ("0 8-20 * * ? *", "leaves 12 hours between runs"),
    ("0 * ? * MON *", "must run every day"),
    ("0 * * * *", "expected 6 fields"),
])
def test_listening_schedules_that_lose_plays_are_refused_naming_the_key(cron, fragment):
    with pytest.raises(ConfigError) as raised:
        parse_config(context(listening_schedule_cron=cron))
    assert str(raised.value).startswith("spotify-etl.environments.dev.listening_schedule_cron: ")
    assert fragment in str(raised.value)


def test_listening_sources_need_the_listening_schedule():
    sources = ["recently-played", "saved-tracks", "top-tracks"]
    hourly = parse_config(context(sources=sources)).environments["dev"]
    assert hourly.listening_schedule_cron == "0 * * * ? *"
    assert [str(s) for s in hourly.listening_sources] == ["recently-played"]
    off = parse_config(context(sources=sources, listening_schedule_cron=None)).environments["dev"]
    assert off.listening_sources == ()


def test_functions_that_could_run_more_at_once_than_the_account_allows_fail_naming_the_key():
    with pytest.raises(ConfigError) as error:
        parse_environment("prod", {"extract_max_concurrency": 5}, {})
    message = str(error.value)
    assert message.startswith("spotify-etl.environments.prod.lambda_concurrency_limit:")
    assert "run 13 at once" in message and "allows 10" in message
    assert "L-B99A9384" in message and "doctor --env" in message
    raised = parse_environment("prod", {"extract_max_concurrency": 5,
                                        "lambda_concurrency_limit": 13}, {})
    assert sum(raised.lambda_concurrency_needed.values()) == 13


def test_the_default_settings_fit_a_new_account():
    settings = parse_environment("dev", {}, {})
    assert sum(settings.lambda_concurrency_needed.values()) <= settings.lambda_concurrency_limit
