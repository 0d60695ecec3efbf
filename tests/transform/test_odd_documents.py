"""Odd top-level documents are rejected with a message, never by crashing the process.

pyarrow's native JSON reader (21 through 26) segfaults on a top-level `null`; the reader must
never hand it such a document. The documents run in a child process so that a crash fails this
test (naming the document) instead of killing the test run.
"""

import json
import subprocess
import sys

ODD_DOCUMENTS = [
    (b"null", "top level: expected a JSON object, got null"),
    (b" null", "top level: expected a JSON object, got null"),
    (b"\n\t null\r\n", "top level: expected a JSON object, got null"),
    (b"\xef\xbb\xbfnull", "top level: expected a JSON object, got null"),
    (b"null {}", "not valid JSON (Extra data)"),
    (b"{} null", "top level: expected one JSON object, found 2"),
    (b"0", "top level: expected a JSON object, got an integer (0)"),
    (b"-1.5e3", "top level: expected a JSON object, got a number (-1500.0)"),
    (b'"items"', 'top level: expected a JSON object, got a string ("items")'),
    (b"true", "top level: expected a JSON object, got a boolean (true)"),
    (b"[]", "top level: expected a JSON object, got an array ([])"),
    (b"[null]", "top level: expected a JSON object, got an array ([null])"),
    (b"[[null]]", "top level: expected a JSON object, got an array ([[null]])"),
    (b"   ", "not valid JSON (Expecting value)"),
    (b"nul", "not valid JSON (Expecting value)"),
    (b'{"items": null}', 'top level: missing "items"'),
    (b'{"items": [null]}', None),
    (b'{"items": [{"track": null}, null]}', None),
    (b'{"metadata": null, "source": null, "items": []}', None),
    (b'{"items": [{"track": {"album": null, "id": "t", "name": "n", "artists": []}}]}',
     None),
]

_CHILD = r"""
import json, sys
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.raw_to_parquet import transform_raw_file

for line in sys.stdin:
    data = bytes.fromhex(line.strip())
    print(json.dumps({"started": data.hex()}), flush=True)
    try:
        result = transform_raw_file(data, "raw/to_process/playlist/x/20261124T181000Z.json")
        outcome = {"ok": result.summary()}
    except InvalidRawFileError as error:
        outcome = {"error": str(error)}
    print(json.dumps({"done": data.hex(), **outcome}), flush=True)
"""


def test_odd_top_level_documents_are_rejected_without_a_crash():
    stdin = "".join(data.hex() + "\n" for data, _ in ODD_DOCUMENTS)
    child = subprocess.run([sys.executable, "-c", _CHILD], input=stdin, capture_output=True,
                           text=True, timeout=120, check=False)
    lines = [json.loads(line) for line in child.stdout.splitlines()]
    started = [bytes.fromhex(line["started"]) for line in lines if "started" in line]
    assert child.returncode == 0, (
        f"the reader crashed the process (status {child.returncode}) on {started[-1]!r}: "
        f"{child.stderr[-500:]}"
    )
    outcomes = {bytes.fromhex(line["done"]): line for line in lines if "done" in line}
    for data, message in ODD_DOCUMENTS:
        outcome = outcomes[data]
        if message is None:
            assert "ok" in outcome, (data, outcome)
        else:
            assert message in outcome.get("error", ""), (data, outcome)
