import pytest
from spotify_runtime.extract.credentials import SpotifyCredentials
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import InvalidCredentialsError, RateLimitedError, TransientError
from spotify_runtime.extract.spotify_client import ResourceUnavailableError

from spotify_local.spotify.content import ALBUM_ID, PLAYLIST_ID

from .conftest import APP_CREDENTIALS, USER_CREDENTIALS

ALBUM = f"albums/{ALBUM_ID}"


def test_token_is_requested_once_and_reused(fake, make_client):
    client = make_client()
    for _ in range(3):
        client.get(ALBUM, deadline=Deadline.unlimited())
    client.get(f"playlists/{PLAYLIST_ID}", deadline=Deadline.unlimited())
    assert fake.count("/api/token") == 1
    assert fake.count("/v1/") == 4 == client.requests_sent


def test_429_within_the_deadline_waits_retry_after_then_succeeds(fake, make_client, sleeps):
    fake.inject_fault(429, "/v1/albums/", retry_after=7)
    album = make_client().get(ALBUM, deadline=Deadline.after(60))
    assert album["id"] == ALBUM_ID
    assert sleeps == [7.0]
    assert fake.count("/v1/albums/", status=429) == 1 and fake.count("/v1/albums/", status=200) == 1


def test_429_beyond_the_deadline_raises_with_the_wait(fake, make_client, sleeps):
    fake.inject_fault(429, "/v1/albums/", retry_after=3600)
    with pytest.raises(RateLimitedError) as caught:
        make_client().get(ALBUM, deadline=Deadline.after(120))
    assert caught.value.retry_after_seconds == 3600
    assert "3600 s" in str(caught.value)
    assert sleeps == []


def test_5xx_then_success_backs_off_with_growing_bounded_waits(fake, make_client, sleeps):
    fake.inject_fault(503, "/v1/albums/", count=2)
    assert make_client().get(ALBUM, deadline=Deadline.after(60))["id"] == ALBUM_ID
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


def test_persistent_5xx_gives_transient_error_after_bounded_attempts(fake, make_client):
    fake.inject_fault(500, "/v1/albums/", count=None)
    with pytest.raises(TransientError, match="HTTP 500 after 4 attempts"):
        make_client().get(ALBUM, deadline=Deadline.unlimited())
    assert fake.count("/v1/albums/") == 4


def test_backoff_that_does_not_fit_the_deadline_stops_at_once(fake, make_client, sleeps):
    fake.inject_fault(502, "/v1/albums/", count=None)
    with pytest.raises(TransientError, match="no time left"):
        make_client().get(ALBUM, deadline=Deadline.after(0.1))
    assert sleeps == [] and fake.count("/v1/albums/") == 1


def test_connection_error_is_retried_then_transient(make_client, sleeps):
    client = make_client(api_url="http://127.0.0.1:9/v1")  # discard port: connection refused
    with pytest.raises(TransientError, match="ConnectionError"):
        client.get(ALBUM, deadline=Deadline.unlimited())
    assert len(sleeps) == 3


@pytest.mark.parametrize("credentials", [APP_CREDENTIALS, USER_CREDENTIALS])
def test_rejected_credentials_name_where_they_live(fake, make_client, credentials):
    bad = SpotifyCredentials(credentials.client_id, "wrong", credentials.refresh_token,
                             credentials.origin)
    with pytest.raises(InvalidCredentialsError) as caught:
        make_client(bad).get(ALBUM, deadline=Deadline.unlimited())
    assert credentials.origin in str(caught.value) and "invalid_client" in str(caught.value)
    assert "wrong" not in str(caught.value)
    assert fake.count("/api/token", status=400) == 1


def test_bad_refresh_token_is_invalid_credentials(fake, make_client):
    bad = SpotifyCredentials(USER_CREDENTIALS.client_id, USER_CREDENTIALS.client_secret,
                             "stale-token", "secret 'x'")
    with pytest.raises(InvalidCredentialsError, match=r"invalid_grant.*spotify_etl auth"):
        make_client(bad).get(ALBUM, deadline=Deadline.unlimited())


def test_401_on_token_endpoint_is_invalid_credentials(fake, make_client):
    fake.inject_fault(401, "/api/token")
    with pytest.raises(InvalidCredentialsError, match="secret 'test/spotify'"):
        make_client().get(ALBUM, deadline=Deadline.unlimited())


def test_401_from_the_api_fetches_one_fresh_token(fake, make_client):
    client = make_client()
    client.get(ALBUM, deadline=Deadline.unlimited())
    fake.revoke_tokens()
    assert client.get(ALBUM, deadline=Deadline.unlimited())["id"] == ALBUM_ID
    assert fake.count("/api/token") == 2
    fake.inject_fault(401, "/v1/albums/", count=2)
    with pytest.raises(InvalidCredentialsError, match="401"):
        client.get(ALBUM, deadline=Deadline.unlimited())


def test_403_and_404_raise_resource_unavailable(fake, make_client):
    fake.inject_fault(403, "/v1/albums/")
    with pytest.raises(ResourceUnavailableError) as caught:
        make_client().get(ALBUM, deadline=Deadline.unlimited())
    assert caught.value.http_status == 403
    with pytest.raises(ResourceUnavailableError) as caught:
        make_client().get("albums/" + "Z" * 22, deadline=Deadline.unlimited())
    assert caught.value.http_status == 404


def test_throttle_is_called_before_every_api_request(fake, make_client):
    calls = []
    fake.inject_fault(503, "/v1/albums/")
    make_client(throttle=lambda: calls.append(len(fake.requests))).get(
        ALBUM, deadline=Deadline.unlimited()
    )
    assert len(calls) == 2 == fake.count("/v1/")


def test_rate_limited_fake_gives_retry_after_until_the_window_frees(fake, make_client, sleeps):
    now = [1000.0]
    fake.clock = lambda: now[0]
    fake.rate_limit_per_30s = 2

    def advance(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    client = make_client(sleep=advance)
    for _ in range(3):
        now[0] += 1
        client.get(ALBUM, deadline=Deadline.unlimited())
    # first two at t=1001, 1002; the third (t=1003) must wait until 1031 -> Retry-After 28
    assert sleeps == [28.0]
    assert fake.count("/v1/", status=429) == 1 and fake.count("/v1/", status=200) == 3


def test_slow_api_answers_time_out_and_are_retried(fake, make_client, sleeps):
    fake.inject_fault(200, "/v1/albums/", delay_seconds=0.5)
    client = make_client(timeout_seconds=0.1)
    assert client.get(ALBUM, deadline=Deadline.unlimited())["id"] == ALBUM_ID
    assert len(sleeps) == 1  # one backoff after the ReadTimeout


def test_slow_token_endpoint_times_out_too(fake, make_client):
    fake.inject_fault(200, "/api/token", delay_seconds=0.5, count=None)
    with pytest.raises(TransientError, match="Timeout"):
        make_client(timeout_seconds=0.1).get(ALBUM, deadline=Deadline.unlimited())
    assert fake.count("/v1/") == 0


def test_token_endpoint_5xx_then_success(fake, make_client, sleeps):
    fake.inject_fault(502, "/api/token")
    assert make_client().get(ALBUM, deadline=Deadline.unlimited())["id"] == ALBUM_ID
    assert fake.count("/api/token", status=502) == 1 and fake.count("/api/token", status=200) == 1
    assert len(sleeps) == 1


def test_repeated_429s_are_bounded_even_without_deadline(fake, make_client, sleeps):
    fake.inject_fault(429, "/v1/albums/", retry_after=2, count=None)
    with pytest.raises(RateLimitedError):
        make_client().get(ALBUM, deadline=Deadline.unlimited())
    assert sleeps == [2.0] * 10
