"""The transform function ships without spotipy/requests (only the extract functions bundle
them), so its handler must import without them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCK_AND_IMPORT = """
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("spotipy", "requests"):
            raise ImportError("not in the transform bundle: " + name)

sys.meta_path.insert(0, Block())
import spotify_runtime.transform.handler
print("ok")
"""


def test_transform_handler_imports_without_the_extract_dependencies():
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_AND_IMPORT],
        cwd=ROOT / "lambdas",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_aws_error_code_names_client_errors_and_other_failures():
    from botocore.exceptions import ClientError, EndpointConnectionError
    from spotify_runtime.aws_errors import aws_error_code

    denied = ClientError({"Error": {"Code": "AccessDeniedException"}}, "GetSecretValue")
    assert aws_error_code(denied) == "AccessDeniedException"
    offline = EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    assert aws_error_code(offline) == "EndpointConnectionError"
