"""Measured figures the docs quote are the last `make bench UPDATE_DOCS=1` run's."""

from __future__ import annotations

from pathlib import Path

from bench import figures
from bench.report import Section

ROOT = Path(__file__).resolve().parents[2]


def test_every_quoted_figure_is_the_last_measurement() -> None:
    recorded = figures.load(ROOT)
    assert recorded["machine"] and recorded["command"].startswith("python -m bench")
    quoted = figures.quoted(ROOT)
    assert sum(len(marks) for marks in quoted.values()) > 10
    for path, marks in quoted.items():
        for key, text in marks:
            assert key in recorded["figures"], f"{path.name}: no measured figure {key!r}"
            assert text == recorded["figures"][key], (
                f"{path.name}: {key} says {text!r}, the last bench run measured "
                f"{recorded['figures'][key]!r}; run `make bench UPDATE_DOCS=1`"
            )


def test_every_figure_a_benchmark_yields_is_recorded() -> None:
    recorded = set(figures.load(ROOT)["figures"])
    yielded = {key for keys in figures.KEYS.values() for key in keys}
    assert yielded | {"bench_minutes", "bench_machine"} == recorded


def test_rewrite_replaces_only_known_markers() -> None:
    text = ("a <!-- bench:x -->1 s<!-- /bench --> b <!-- bench:y -->2<!-- /bench -->\n"
            "<!-- bench:... --> stays")
    assert figures.rewrite(text, {"x": "3 s"}) == (
        "a <!-- bench:x -->3 s<!-- /bench --> b <!-- bench:y -->2<!-- /bench -->\n"
        "<!-- bench:... --> stays")


def test_figures_from_a_scale_section() -> None:
    summary = {"sources_landed": 999, "sources_total": 1000, "throttled_responses": 2,
               "wall_seconds": 690.0, "real_seconds": 42.4}
    found = figures.figures_from({"scale": Section("s", data=summary)})
    assert found == {"scale_outcome": "999 of 1,000 land, 2 answered 429",
                     "scale_simulated_minutes": "11.5", "scale_real_seconds": "42 s"}


def test_a_bench_run_without_update_docs_leaves_the_tree_as_it_was(tmp_path, capsys) -> None:
    from bench.__main__ import main

    docs = [*figures.doc_paths(ROOT), ROOT / figures.FIGURES_FILE]
    before = {path: path.read_bytes() for path in docs}
    assert main(["--only", "api", "--api-sizes", "49", "--work", str(tmp_path)]) == 0
    assert {path: path.read_bytes() for path in docs} == before
    assert (tmp_path / "benchmarks.md").read_text(encoding="utf-8").startswith("# Benchmarks")
    assert "bench_minutes" not in capsys.readouterr().err
