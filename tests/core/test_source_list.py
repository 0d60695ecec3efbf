import json

import pytest
from spotify_runtime.extract.source_list import configured_sources, parse_source_list
from spotify_runtime.sources import Source

PLAYLIST = "playlist:3cEYpjA9oz9GiPac4AsH4n"
ALBUM = "album:4aawyAB9vmqN3uQ7FjRGTy"


def test_the_file_wins_over_the_variable(tmp_path):
    path = tmp_path / "sources.json"
    path.write_text(json.dumps([PLAYLIST, ALBUM, PLAYLIST]))
    sources = configured_sources({"SOURCES_FILE": str(path), "SOURCES": json.dumps([ALBUM])})
    assert sources == [Source("playlist", PLAYLIST[9:]), Source("album", ALBUM[6:])]


def test_the_variable_when_there_is_no_file():
    assert [str(s) for s in configured_sources({"SOURCES": json.dumps([ALBUM])})] == [ALBUM]
    assert configured_sources({}) == []


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("not json", "SOURCES is not JSON"),
        ('{"a": 1}', "must be a JSON list"),
        ('["playlist:short"]', "22-character Spotify ID"),
    ],
)
def test_mistakes_name_where_the_list_came_from(raw, message):
    with pytest.raises(ValueError, match=message) as error:
        parse_source_list(raw, "SOURCES")
    assert str(error.value).startswith("SOURCES")


def test_a_missing_file_is_named(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(ValueError, match=f"SOURCES_FILE {missing}: No such file"):
        configured_sources({"SOURCES_FILE": str(missing)})
