"""Cold import time of each deployed handler module, each in a fresh interpreter.

Lambda's cold start pays for the handler module's imports once per container. Each handler is
imported as the runtime imports it (`module` of `contract.*_HANDLER`), in its own process, beside
two references measured the same way in the same run: the bare interpreter and `import boto3`
(which every handler needs and Lambda's runtime has anyway).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from spotify_runtime import contract

from bench.report import Section, Target, ratio, seconds

HANDLERS = {
    "planner": contract.PLANNER_HANDLER,
    "extract worker": contract.WORKER_HANDLER,
    "transform": contract.TRANSFORM_HANDLER,
}
REFERENCES = {"bare interpreter": "pass", "import boto3": "import boto3"}
ICEBERG = {"transform + Iceberg writer (issue 26)":
           f"import {contract.TRANSFORM_HANDLER.rsplit('.', 1)[0]}, spotify_runtime.iceberg_tables"}
"""What the transform's cold start will import once it writes the Iceberg tables."""
NO_PANDAS = ("Transform handler imports no pandas", "pandas not in sys.modules")
TARGETS = (NO_PANDAS,)


def _time(code: str, cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, check=True)
    return time.perf_counter() - started


def run(repo_root: Path, runs: int) -> dict[str, float]:
    """Median wall seconds per probe; also checks that the transform leaves pandas unimported."""
    codes = {**REFERENCES, **{
        name: f"import {handler.rsplit('.', 1)[0]}" for name, handler in HANDLERS.items()
    }, **ICEBERG}
    samples: dict[str, list[float]] = {name: [] for name in codes}
    for _ in range(max(runs, 3)):
        for name, code in codes.items():  # interleaved, so drift hits every probe alike
            samples[name].append(_time(code, repo_root))
    module = HANDLERS["transform"].rsplit(".", 1)[0]
    probe = f"import sys, {module}; sys.exit('pandas' in sys.modules)"
    pandas_free = subprocess.run([sys.executable, "-c", probe], cwd=repo_root,
                                 check=False).returncode == 0
    result = {name: statistics.median(values) for name, values in samples.items()}
    result["transform_pandas_free"] = float(pandas_free)
    return result


def to_section(result: dict[str, float]) -> Section:
    """The table: seconds per probe and its ratio to `import boto3`."""
    boto3 = result["import boto3"]
    rows = [
        [name, seconds(result[name]), ratio(result[name] / boto3)]
        for name in (*REFERENCES, *HANDLERS, *ICEBERG)
    ]
    pandas_free = bool(result["transform_pandas_free"])
    return Section(
        "Cold import of each handler",
        headers=["module (fresh process)", "seconds", "vs import boto3"],
        rows=rows,
        notes=["Median of interleaved runs; each probe is `python -c 'import <module>'` in a new "
               "process, so it includes the interpreter's own start-up (the first row)."],
        targets=[Target(*NO_PANDAS, "no pandas" if pandas_free else "pandas imported",
                        pandas_free)],
        data=result,
    )
