"""`python -m bench`: run the benchmarks and print the figures.

With `--update-docs` (`make bench UPDATE_DOCS=1`) it also rewrites docs/benchmarks.md,
docs/bench-figures.json and every figure the README and docs quote from them; without it the
report goes to the scratch directory and the working tree is left as it was (the figures the
docs quote differently from this run are listed).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from spotify_runtime import contract

from bench import (
    api_bench,
    big_day_bench,
    cold_start,
    e2e_bench,
    figures,
    iceberg_bench,
    import_bench,
    listening_bench,
    report_bench,
    scale_bench,
    storage,
    suite_bench,
    transform_bench,
    year_bench,
)
from bench.report import (
    Section,
    Target,
    load_average,
    machine_lines,
    render_console,
    render_document,
)
from spotify_etl.clean_exit import exit_now

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = (
    "transform", "storage", "coldstart", "api", "e2e", "scale", "listening", "import",
    "report", "year", "bigday", "iceberg", "suite",
)


def _int_list(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown benchmark(s) {unknown}; choose {BENCHMARKS}")
    return names


def build_parser() -> argparse.ArgumentParser:
    """The command-line options (all have the `make bench` values as defaults)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", type=_int_list, default=[1_000, 10_000, 100_000],
                        help="playlist sizes for the transform benchmark (default %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--only", type=_names, default=list(BENCHMARKS),
                        help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    parser.add_argument("--api-sizes", type=_int_list, default=list(api_bench.PLAYLIST_SIZES),
                        help="playlist sizes for the request-count benchmark")
    parser.add_argument("--scale-sources", type=int, default=1_000)
    parser.add_argument("--scale-rate", type=int, default=100, help="requests per 30 s")
    parser.add_argument("--year-quick", action="store_true",
                        help="simulate a few days instead of a year (the smoke test)")
    parser.add_argument("--big-day-sources", type=int, default=big_day_bench.SOURCES,
                        help="raw files of the big day (default %(default)s)")
    parser.add_argument("--iceberg-sources", type=int, default=iceberg_bench.SOURCES,
                        help="raw files of the Iceberg write benchmark (default %(default)s)")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "bench" / ".work",
                        help="scratch directory (inputs are generated once and kept here)")
    parser.add_argument("--doc", type=Path,
                        help="Markdown report to write (default: docs/benchmarks.md with "
                             "--update-docs, else benchmarks.md in the scratch directory)")
    parser.add_argument("--update-docs", action="store_true",
                        help="rewrite docs/benchmarks.md, docs/bench-figures.json and the "
                             "figures the docs quote (a full run only)")
    return parser


TARGETS = {
    "transform": transform_bench.TARGETS,
    "storage": storage.TARGETS,
    "coldstart": cold_start.TARGETS,
    "api": api_bench.TARGETS,
    "e2e": (),
    "scale": scale_bench.TARGETS,
    "listening": listening_bench.TARGETS,
    "import": import_bench.TARGETS,
    "report": report_bench.TARGETS,
    "year": year_bench.TARGETS,
    "bigday": big_day_bench.TARGETS,
    "iceberg": iceberg_bench.TARGETS,
    "suite": (),
}
"""Each benchmark's targets (what, target), listed as pending when it cannot run."""


def _guarded(name: str, title: str, build: Callable[[], Section]) -> tuple[Section, bool]:
    """Build a section; a failure becomes a pending section. Returns (section, failed)."""
    try:
        return build(), False
    except ModuleNotFoundError as error:
        reason, failed = f"not measured: {error} (not landed yet)", False
    except Exception as error:
        traceback.print_exc()
        reason, failed = f"not measured: {type(error).__name__}: {error}", True
    targets = [Target(what, target, "not measured", None) for what, target in TARGETS[name]]
    return Section(title, pending=reason, targets=targets), failed


def run_bench(options: argparse.Namespace) -> tuple[list[Section], bool]:
    """Run the selected benchmarks; returns their sections and whether any failed."""
    work = options.work.resolve()
    transform_results: list[transform_bench.SizeResult] = []

    def transform() -> Section:
        transform_results.extend(
            transform_bench.run(work, options.sizes, options.runs, REPO_ROOT)
        )
        return transform_bench.to_section(transform_results, options.runs)

    def storage_section() -> Section:
        largest = (transform_results or transform_bench.run(work, [max(options.sizes)], 1,
                                                            REPO_ROOT))[-1]
        reference_csv = sum(f.stat().st_size for f in largest.reference_out.glob("*.csv"))
        return storage.to_section(storage.measure(largest.ours_out), largest.n_items,
                                  reference_csv)

    builders: dict[str, tuple[str, Callable[[], Section]]] = {
        "transform": ("Transform", transform),
        "storage": ("Storage", storage_section),
        "coldstart": ("Cold import of each handler", lambda: cold_start.to_section(
            cold_start.run(REPO_ROOT, options.runs))),
        "api": ("API requests", lambda: api_bench.to_section(
            api_bench.run(options.api_sizes, work, REPO_ROOT))),
        "e2e": ("End-to-end local run", lambda: e2e_bench.to_section(
            e2e_bench.run(work, REPO_ROOT, options.runs))),
        "scale": ("Scale simulation", lambda: scale_bench.to_section(
            scale_bench.run(options.scale_sources, options.scale_rate))),
        "listening": ("Listening history", lambda: listening_bench.to_section(
            listening_bench.run(work))),
        "import": ("History import", lambda: import_bench.to_section(
            import_bench.run(work, options.runs), options.runs,
            contract.HISTORY_IMPORT_MEMORY_MB, contract.HISTORY_IMPORT_TIMEOUT_SECONDS)),
        "report": ("Listening report", lambda: report_bench.to_section(
            report_bench.run(work, options.runs))),
        "year": ("A year of runs", lambda: year_bench.to_section(year_bench.run(
            work, year_bench.QUICK if options.year_quick else year_bench.YearShape(),
            options.runs))),
        "bigday": ("A big day", lambda: big_day_bench.to_section(big_day_bench.run(
            work, options.big_day_sources))),
        "iceberg": ("Iceberg writes", lambda: iceberg_bench.to_section(iceberg_bench.run(
            work, options.iceberg_sources))),
        "suite": ("Development loop", lambda: suite_bench.to_section(
            suite_bench.run(REPO_ROOT))),
    }
    sections, any_failed = [], False
    for name in BENCHMARKS:
        if name not in options.only:
            continue
        title, build = builders[name]
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        section, failed = _guarded(name, title, build)
        sections.append(section)
        any_failed = any_failed or failed
    return sections, any_failed


def main(argv: list[str] | None = None) -> int:
    """Run, print, write the report; non-zero if a benchmark failed (a missing piece is not
    one)."""
    parser = build_parser()
    options = parser.parse_args(argv)
    if options.update_docs and options.only != list(BENCHMARKS):
        parser.error("--update-docs rewrites every quoted figure: run every benchmark "
                     "(no --only)")
    started, load_at_start = time.perf_counter(), load_average()
    sections, any_failed = run_bench(options)
    elapsed = time.perf_counter() - started
    print(render_console(sections))
    command_line = ("python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)).strip()
    default_doc = (REPO_ROOT / "docs" if options.update_docs else options.work) / "benchmarks.md"
    doc = options.doc or default_doc
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(render_document(sections, command_line, elapsed, load_at_start),
                   encoding="utf-8")
    print(f"\nwrote {doc}", file=sys.stderr)
    measured = figures.figures_from(dict(zip(options.only, sections, strict=True)))
    if options.only == list(BENCHMARKS):  # a partial run's duration is not the bench's
        measured["bench_minutes"] = f"{elapsed / 60:.1f} min"
    measured["bench_machine"] = machine_lines(load_at_start)[0].removeprefix("CPU: ")
    if options.update_docs and not any_failed:
        for path in figures.update_docs(REPO_ROOT, measured, measured["bench_machine"],
                                        command_line):
            print(f"updated {path.relative_to(REPO_ROOT)}", file=sys.stderr)
    elif differing := figures.stale(REPO_ROOT, measured):
        print(f"{len(differing)} figure(s) the docs quote differ from this run (docs left "
              "as they are; `make bench UPDATE_DOCS=1` rewrites them):", file=sys.stderr)
        for line in differing:
            print(f"  {line}", file=sys.stderr)
    return 1 if any_failed else 0


if __name__ == "__main__":
    exit_now(main())
