"""`transform FILE --out DIR` never lets one input's outputs replace another's.

The raw files of one run share a file name (the run's timestamp) across sources, so outputs
are named after the source in the file, and an existing output with other content is kept.
"""

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from spotify_etl.cli import main
from spotify_etl.day_objects import source_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"

ENVELOPES = ("playlist", "album", "artist", "saved_tracks", "recently_played")
RUN_FILE = "20261124T181000Z.json"


def _one_run(tmp_path):
    """The five fixtures laid out as one run's raw files: same file name, one folder each."""
    paths = []
    for name in ENVELOPES:
        doc = json.loads((FIXTURES / f"{name}_envelope.json").read_text(encoding="utf-8"))
        folder = tmp_path / "raw" / doc["source"]["type"] / (doc["source"]["id"] or "me")
        folder.mkdir(parents=True)
        shutil.copy(FIXTURES / f"{name}_envelope.json", folder / RUN_FILE)
        paths.append(folder / RUN_FILE)
    return paths


def _songs_rows(out):
    return sum(pq.read_table(path).num_rows for path in (out / "songs").rglob("*.parquet"))


def test_one_runs_files_into_one_out_keep_every_row(tmp_path, capsys):
    out = tmp_path / "out"
    separately = 0
    for index, path in enumerate(_one_run(tmp_path)):
        assert main(["transform", str(path), "--out", str(out)]) == 0
        alone = tmp_path / f"alone{index}"
        assert main(["transform", str(path), "--out", str(alone)]) == 0
        separately += _songs_rows(alone)
    capsys.readouterr()
    (songs,) = (out / "songs").rglob("*.parquet")  # one object for the table and day
    assert len(source_rows(songs.read_bytes())) == len(ENVELOPES)  # each file its own rows
    assert _songs_rows(out) == separately > 0


def test_same_input_again_is_idempotent(tmp_path, capsys):
    path = _one_run(tmp_path)[0]
    out = tmp_path / "out"
    assert main(["transform", str(path), "--out", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    assert main(["transform", str(path), "--out", str(out)]) == 0
    assert {p: p.read_bytes() for p in out.rglob("*.parquet")} == before


def test_another_input_with_the_same_name_is_refused_then_replaced_on_request(tmp_path, capsys):
    first = tmp_path / "a" / RUN_FILE
    second = tmp_path / "b" / RUN_FILE
    for path in (first, second):
        path.parent.mkdir()
        shutil.copy(FIXTURES / "playlist_paging_seed.json", path)
    doc = json.loads(second.read_text(encoding="utf-8"))
    doc["items"] = doc["items"][:1]
    second.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["transform", str(first), "--out", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    capsys.readouterr()
    assert main(["transform", str(second), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "not replacing" in err
    assert {p: p.read_bytes() for p in out.rglob("*.parquet")} == before
    assert main(["transform", str(second), "--out", str(out), "--replace"]) == 0
    assert {p: p.read_bytes() for p in out.rglob("*.parquet")} != before
