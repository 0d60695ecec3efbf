"""A recently-played track without album data is still a play (recently-played answered
simplified tracks in 2016): it gives no songs or albums row, and is counted as skipped there."""

from __future__ import annotations

import json

import pytest
from spotify_runtime.transform.build import ALBUM_DAMAGE, MISSING_ALBUM, build_tables
from spotify_runtime.transform.reader import read_document

from tests.transform.conftest import FIXTURES


def plays_and_songs(mutate) -> tuple[list[str], list[str], dict[str, int]]:
    document = json.loads((FIXTURES / "recently_played_envelope.json").read_text())
    mutate(document["items"])
    built = build_tables(read_document(json.dumps(document).encode()))
    return (built.tables["plays"]["song_id"].to_pylist(),
            built.tables["songs"]["song_id"].to_pylist(), built.skipped)


def test_a_track_without_its_album_is_a_play_but_not_a_song():
    all_plays, all_songs, _ = plays_and_songs(lambda items: None)

    def drop_album(items):
        items[0]["track"].pop("album")

    plays, songs, skipped = plays_and_songs(drop_album)
    assert len(plays) == len(all_plays)
    assert skipped == {MISSING_ALBUM: 1}
    assert len(songs) == len(all_songs) - 1 or set(songs) == set(all_songs)


@pytest.mark.parametrize("field", ["id", "name"])
def test_a_track_without_its_own_id_or_name_is_no_play(field):
    all_plays, _, _ = plays_and_songs(lambda items: None)

    def damage(items):
        items[0]["track"].pop(field)

    plays, _, skipped = plays_and_songs(damage)
    assert len(plays) == len(all_plays) - 1 and sum(skipped.values()) == 1
    assert MISSING_ALBUM in ALBUM_DAMAGE and not skipped.keys() & ALBUM_DAMAGE
