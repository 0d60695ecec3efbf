"""Measured figures quoted in the README and docs: written by `make bench UPDATE_DOCS=1`.

A figure in a doc is written between markers, `<!-- bench:KEY -->TEXT<!-- /bench -->`; the
last full bench run keeps every KEY's TEXT in docs/bench-figures.json (with the machine it ran
on) and rewrites the markers; tests/bench/test_doc_figures.py fails when a doc's TEXT differs
from the file, so a figure can only change together with a measurement.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bench.report import Section

FIGURES_FILE = Path("docs") / "bench-figures.json"
MARKER = re.compile(r"<!-- bench:(?P<key>[a-z0-9_]+) -->(?P<text>.*?)<!-- /bench -->", re.DOTALL)

KEYS = {
    "transform": ("transform_items", "transform_input_mib", "transform_seconds",
                  "transform_peak_mib", "floor_seconds", "floor_peak_mib"),
    "e2e": ("demo_seconds", "demo_peak_mib"),
    "scale": ("scale_outcome", "scale_simulated_minutes", "scale_real_seconds"),
    "suite": ("suite_tests", "suite_seconds", "synth_seconds"),
    "year": ("year_query_ratios", "year_files", "year_compact_files", "year_objects_daily",
             "year_objects_listening"),
    "bigday": ("bigday_sources", "bigday_time_ratio", "bigday_written", "bigday_repeated"),
}
"""The figure keys each benchmark yields (besides `bench_minutes` and `bench_machine`)."""


def doc_paths(repo_root: Path) -> list[Path]:
    """The documents that may quote figures: the README and every docs/ page."""
    return [repo_root / "README.md", *sorted((repo_root / "docs").glob("*.md"))]


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


def figures_from(sections: dict[str, Section]) -> dict[str, str]:
    """The quotable figures of the benchmarks that ran (keys of KEYS per benchmark)."""
    figures: dict[str, str] = {}
    if (transform := sections.get("transform")) is not None and transform.data:
        largest = transform.data[-1]
        costs = largest.costs
        figures.update({
            "transform_items": f"{largest.n_items:,}",
            "transform_input_mib": f"{largest.input_bytes / 2**20:.0f} MiB",
            "transform_seconds": _seconds(costs["ours"].wall_seconds),
            "transform_peak_mib": f"{costs['ours'].peak_rss_bytes / 2**20:.0f} MiB",
            "floor_seconds": _seconds(costs["floor"].wall_seconds),
            "floor_peak_mib": f"{costs['floor'].peak_rss_bytes / 2**20:.0f} MiB",
        })
    if (e2e := sections.get("e2e")) is not None and e2e.data is not None:
        figures.update({
            "demo_seconds": _seconds(e2e.data.command.wall_seconds),
            "demo_peak_mib": f"{e2e.data.command.peak_rss_bytes / 2**20:.0f} MiB",
        })
    if (scale := sections.get("scale")) is not None and scale.data is not None:
        summary: dict[str, Any] = scale.data
        figures.update({
            "scale_outcome": (f"{summary['sources_landed']:,} of {summary['sources_total']:,} "
                              f"land, {summary['throttled_responses']:,} answered 429"),
            "scale_simulated_minutes": f"{summary['wall_seconds'] / 60:.1f}",
            "scale_real_seconds": _seconds(summary["real_seconds"]),
        })
    if (year := sections.get("year")) is not None and year.data is not None:
        figures.update(_year_figures(year.data))
    if (big_day := sections.get("bigday")) is not None and big_day.data is not None:
        ours, reference = big_day.data.ours, big_day.data.reference
        figures.update({
            "bigday_sources": f"{big_day.data.sources:,}",
            "bigday_time_ratio": f"{ours.seconds / reference.seconds:.1f}x",
            "bigday_written": (f"{ours.bytes_written / 2**30:.1f} GiB against "
                               f"{reference.bytes_written / 2**20:.0f} MiB"),
            "bigday_repeated": (f"{ours.deliveries - big_day.data.sources:,} deliveries "
                                f"repeated, {ours.dead_lettered:,} dead-lettered"),
        })
    if (suite := sections.get("suite")) is not None and suite.data is not None:
        figures.update({
            "suite_tests": f"{suite.data.tests:,}",
            "suite_seconds": _seconds(suite.data.suite_seconds),
            "synth_seconds": _seconds(suite.data.synth_seconds),
        })
    return figures


def _year_figures(result: Any) -> dict[str, str]:
    """The year benchmark's figures (a `year_bench.YearResult`)."""
    ratios = [query.ratio for query in result.queries]

    def objects(written: Any) -> str:
        return (f"{written.per_run('processed'):.0f} Parquet + "
                f"{written.per_run('pipeline_runs'):.0f} run-log objects")

    return {
        "year_query_ratios": f"{min(ratios):.1f}-{max(ratios):.1f}x",
        "year_files": f"{sum(result.year_files.values()):,}",
        "year_compact_files": f"{sum(result.compact_files.values()):,}",
        "year_objects_daily": objects(result.daily),
        "year_objects_listening": objects(result.listening),
    }


def quoted(repo_root: Path) -> dict[Path, list[tuple[str, str]]]:
    """Every marker in the docs: path -> [(key, text)]."""
    return {path: [(m["key"], m["text"]) for m in MARKER.finditer(path.read_text("utf-8"))]
            for path in doc_paths(repo_root)}


def rewrite(text: str, figures: dict[str, str]) -> str:
    """`text` with every marker's TEXT replaced by its figure (unknown keys left alone)."""
    def replace(match: re.Match[str]) -> str:
        key = match["key"]
        return f"<!-- bench:{key} -->{figures.get(key, match['text'])}<!-- /bench -->"
    return MARKER.sub(replace, text)


def load(repo_root: Path) -> dict[str, Any]:
    """docs/bench-figures.json: {"machine", "command", "figures": {key: text}}."""
    return json.loads((repo_root / FIGURES_FILE).read_text(encoding="utf-8"))


def update_docs(repo_root: Path, figures: dict[str, str], machine: str, command: str) -> list[Path]:
    """Write the figures file and rewrite every doc's markers; returns the files changed."""
    changed = []
    record = {"machine": machine, "command": command, "figures": dict(sorted(figures.items()))}
    path = repo_root / FIGURES_FILE
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    for doc in doc_paths(repo_root):
        before = doc.read_text(encoding="utf-8")
        after = rewrite(before, figures)
        if after != before:
            doc.write_text(after, encoding="utf-8")
            changed.append(doc)
    return changed


def stale(repo_root: Path, figures: dict[str, str]) -> list[str]:
    """`doc: key: quoted -> measured` for each quoted figure this run measured differently."""
    return [f"{path.relative_to(repo_root)}: {key}: {text!r} -> {figures[key]!r}"
            for path, marks in quoted(repo_root).items() for key, text in marks
            if key in figures and figures[key] != text]
