"""A transform process keeps pandas out, and writes exactly the same Parquet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "raw" / "playlist_envelope.json"
PROBE = """
import hashlib, json, sys
{guard}
from spotify_runtime.transform.raw_to_parquet import transform_raw_file
out = transform_raw_file(open(sys.argv[1], "rb").read(), "raw/to_process/playlist/x/y.json")
digests = {{key: hashlib.sha256(data).hexdigest() for key, data in out.outputs.items()}}
print(json.dumps({{"pandas": "pandas" in sys.modules, "outputs": digests}}))
"""


def _probe(guard: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(guard=guard), str(FIXTURE)],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "lambdas")]),
             **(env or {})},
    )
    return json.loads(done.stdout)


def test_pyarrow_alone_imports_pandas_and_the_guard_keeps_it_out_with_the_same_bytes():
    plain = _probe("")
    guarded = _probe("from spotify_runtime.no_pandas import keep_pandas_out\n"
                     "keep_pandas_out()")
    assert plain["pandas"] is True  # what the guard is for: pyarrow 22 imports it by itself
    assert guarded["pandas"] is False
    assert guarded["outputs"] == plain["outputs"] and plain["outputs"]


def test_the_lambda_handler_keeps_pandas_out_only_in_a_lambda_container():
    in_lambda = _probe("import spotify_runtime.transform.handler",
                       {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"})
    assert in_lambda["pandas"] is False
    local = _probe("import spotify_runtime.transform.handler", {"AWS_LAMBDA_RUNTIME_API": ""})
    assert local["pandas"] is True  # the demo and tests share their process: no guard there
