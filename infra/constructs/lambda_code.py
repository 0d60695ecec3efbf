"""The Lambda code assets, built from `lambdas/` without Docker; each holds only its component.

`lambdas/spotify_runtime/` has the modules every function shares at its top level and one
subpackage per component. The extract functions (planner and worker) get the shared modules,
`extract/` and the locked packages of `lambdas/requirements.txt` (hashes required), installed by
pip for the Lambda platform (manylinux x86_64, CPython of the function runtime, wheels only). The
transform function gets the shared modules and `transform/` (the history import,
`history_import/`): pandas and pyarrow come from the AWS SDK for pandas layer, never from our zip.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from spotify_runtime.extract.source_list import SOURCES_FILE_NAME

from infra.config import EnvironmentSettings

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
REQUIREMENTS = LAMBDAS_DIR / "requirements.txt"
RUNTIME = lambda_.Runtime.PYTHON_3_14
"""The newest Python that both aws-cdk-lib and the AWS SDK for pandas layer (3.16.1) offer."""
RUNTIME_PYTHON_VERSION = "3.14"
PIP_PLATFORM = "manylinux2014_x86_64"
EXCLUDE = ["__pycache__", "*.pyc", ".pytest_cache"]
COMPONENTS = ("extract", "transform", "history_import")
"""Subpackages of spotify_runtime, one per function group."""


def _others(component: str) -> list[str]:
    """Exclude patterns for every component but `component`."""
    return [f"spotify_runtime/{other}" for other in COMPONENTS if other != component]


class BundlingError(RuntimeError):
    """pip could not install the function's dependencies for the Lambda platform."""


@jsii.implements(cdk.ILocalBundling)
class PipLocalBundling:
    """Copy the handler sources and pip-install the requirements into the asset folder."""

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_options: object) -> bool:
        """Build the asset in `output_dir`; True tells CDK not to fall back to Docker."""
        shutil.copytree(
            LAMBDAS_DIR, output_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*EXCLUDE)
        )
        for pattern in _others("extract"):  # the bundling copy honours the same excludes
            shutil.rmtree(Path(output_dir) / pattern, ignore_errors=True)
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-compile", "--target", output_dir, "--require-hashes", "-r", str(REQUIREMENTS),
            "--platform", PIP_PLATFORM, "--implementation", "cp",
            "--python-version", RUNTIME_PYTHON_VERSION, "--only-binary=:all:",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last_line = (result.stderr.strip().splitlines() or [""])[-1]
            raise BundlingError(
                f"pip could not install {REQUIREMENTS} for {PIP_PLATFORM} "
                f"cp{RUNTIME_PYTHON_VERSION}: {last_line}"
            )
        return True


def extract_code() -> lambda_.Code:
    """Shared modules, `extract/` and the bundled requirements (spotipy): the planner's and the
    worker's asset."""
    return lambda_.Code.from_asset(
        str(LAMBDAS_DIR),
        exclude=[*EXCLUDE, *_others("extract")],
        # Source hash: lambdas/ (with the pinned requirements.txt) decides the asset, so the hash
        # is the same on every machine and only changes when the code or a pin does.
        asset_hash_type=cdk.AssetHashType.SOURCE,
        bundling=cdk.BundlingOptions(
            # Never pulled: local bundling always succeeds or raises.
            image=RUNTIME.bundling_image,
            local=PipLocalBundling(),
        ),
    )


def _layered_code(component: str) -> lambda_.Code:
    """Shared modules and `<component>/`; pandas and pyarrow come from the managed layer."""
    return lambda_.Code.from_asset(
        str(LAMBDAS_DIR), exclude=[*EXCLUDE, "*requirements.*", *_others(component)]
    )


def transform_code() -> lambda_.Code:
    """Shared modules and `transform/`: its pandas and pyarrow come from the managed layer."""
    return _layered_code("transform")


def history_import_code() -> lambda_.Code:
    """Shared modules and `history_import/`: pyarrow comes from the managed layer."""
    return _layered_code("history_import")


SOURCES_FILE_PATH = f"/opt/{SOURCES_FILE_NAME}"
"""Where the planner finds the source list: layers are extracted under /opt."""


def source_list_code(sources_json: str) -> lambda_.Code:
    """A layer holding the environment's source list as a file.

    A file, not an environment variable: a function's environment holds 4 KB in all (about a
    hundred sources) and an environment may list thousands.
    """
    directory = Path(tempfile.mkdtemp(prefix="spotify-etl-sources-"))
    (directory / SOURCES_FILE_NAME).write_text(sources_json, encoding="utf-8")
    return lambda_.Code.from_asset(str(directory))


def pandas_layer_arn_parameter(pandas_layer_version: str) -> str:
    """The public SSM parameter that holds the AWS SDK for pandas layer ARN in each region."""
    return (
        f"/aws/service/aws-sdk-pandas/{pandas_layer_version}"
        f"/py{RUNTIME_PYTHON_VERSION}/x86_64/layer-arn"
    )


def aws_sdk_pandas_layer(
    scope: Construct, settings: EnvironmentSettings
) -> lambda_.ILayerVersion:
    """The AWS SDK for pandas layer (pyarrow): the transform's tables and every run-log writer's
    Parquet (spotify_runtime.run_log) come from it, never from our zips."""
    return lambda_.LayerVersion.from_layer_version_arn(
        scope,
        "AwsSdkPandasLayer",
        ssm.StringParameter.value_for_string_parameter(
            scope, pandas_layer_arn_parameter(settings.pandas_layer_version)
        ),
    )
