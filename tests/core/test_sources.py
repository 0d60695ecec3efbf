import pytest
from spotify_runtime.sources import InvalidSourceError, Source, parse_source

ID = "3cEYpjA9oz9GiPac4AsH4n"


@pytest.mark.parametrize(
    "text",
    [
        f"playlist:{ID}",
        f"spotify:playlist:{ID}",
        f"https://open.spotify.com/playlist/{ID}?si=abc",
        f"https://open.spotify.com/intl-de/playlist/{ID}",
        f"open.spotify.com/playlist/{ID}",
        f"playlist:https://open.spotify.com/playlist/{ID}",
        f"playlist:spotify:playlist:{ID}",
    ],
)
def test_every_accepted_form_gives_the_same_source(text):
    assert parse_source(text) == Source("playlist", ID)


def test_user_sources_take_no_id_and_need_a_user():
    source = parse_source("recently-played")
    assert source == Source("recently-played") and source.needs_user
    assert source.key_id == "me"
    assert str(source) == "recently-played"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("track:" + ID, "unknown source type 'track'"),
        ("playlist:abc", "22-character Spotify ID"),
        ("saved-tracks:" + ID, "takes no ID"),
        (f"album:https://open.spotify.com/playlist/{ID}", "does not match"),
        (f"https://example.com/playlist/{ID}", "unknown source type"),
    ],
)
def test_malformed_sources_say_what_was_expected(text, fragment):
    with pytest.raises(InvalidSourceError, match=fragment):
        parse_source(text)
