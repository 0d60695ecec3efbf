"""The Lambda code assets, built from `lambdas/` without Docker; each holds only its component:
the shared top-level modules of `lambdas/spotify_runtime/`, its own subpackage, and its locked
packages installed by pip for the Lambda platform (wheels only, hashes required), the
transform's without the parts of pyarrow nothing imports (`PYARROW_UNUSED`); the history import
takes pyarrow from the AWS SDK for pandas layer instead. What each function's asset holds, and
its size: docs/infrastructure.md; the lock files: docs/dependencies.md.
"""

from __future__ import annotations

import hashlib
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
from spotify_runtime.contract import PLOTLY_FILE, PLOTLY_PACKAGE
from spotify_runtime.extract.source_list import SOURCES_FILE_NAME

from infra.config import EnvironmentSettings

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
REQUIREMENTS = LAMBDAS_DIR / "requirements.txt"
TRANSFORM_REQUIREMENTS = LAMBDAS_DIR / "transform-requirements.txt"
"""The transform function's lock (`make lock`): pyarrow and PyIceberg."""
REPORT_REQUIREMENTS = LAMBDAS_DIR / "requirements-report.txt"
"""The monthly report function's lock (`make lock`), kept out of every other asset."""
PLOTLY_BUNDLE = LAMBDAS_DIR.parent / "node_modules" / PLOTLY_PACKAGE / PLOTLY_FILE
"""Plotly's basic bundle as `make venv` installs it (npm ci): copied into the report's asset."""
RUNTIME = lambda_.Runtime.PYTHON_3_14
"""The newest Python that both aws-cdk-lib and the AWS SDK for pandas layer (3.16.1) offer."""
RUNTIME_PYTHON_VERSION = "3.14"
PIP_PLATFORM = "manylinux2014_x86_64"
NEWER_PIP_PLATFORM = "manylinux_2_28_x86_64"
"""Also accepted for the report's and the transform's packages: Pillow 12+ and pyroaring (a
PyIceberg dependency) ship no manylinux2014 wheels for CPython 3.14, and the python3.14 runtime
(Amazon Linux 2023, glibc 2.34) runs manylinux_2_28 ones."""
PYARROW_UNUSED = (
    "pyarrow/*flight*", "pyarrow/tests", "pyarrow/_pyarrow_cpp_tests.*", "pyarrow/include",
    "pyarrow/includes", "pyarrow/src", "pyarrow/*.pyx", "pyarrow/*.pxd", "pyarrow/*.pxi",
)
"""What the transform's asset leaves out of the pyarrow wheel (38 MB of its 155 MB): Arrow
Flight (RPC; no other library links it), pyarrow's tests, and the C++ headers and Cython sources
that only a build against pyarrow reads. tests/infra/test_lambda_code.py imports the modules the
transform uses from a copy of pyarrow without them."""
EXCLUDE = ["__pycache__", "*.pyc", ".pytest_cache"]
COMPONENTS = ("extract", "transform", "history_import", "report")
"""Subpackages of spotify_runtime, one per function group."""
LOCKS = {"extract": ["requirements-report.*", "transform-requirements.*"]}
"""Exclude patterns of the locks a component's asset does not hold: the extract functions
keep their own (`requirements.*`), every other asset holds none."""


def _others(component: str) -> list[str]:
    """Exclude patterns for every component but `component`, and for the locks it does not
    install."""
    return [*(f"spotify_runtime/{other}" for other in COMPONENTS if other != component),
            *LOCKS.get(component, ["*requirements*"])]


def remove_unused(directory: Path, patterns: tuple[str, ...]) -> None:
    """Delete what `patterns` (globs relative to `directory`) match."""
    for pattern in patterns:
        for path in directory.glob(pattern):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()


class BundlingError(RuntimeError):
    """pip could not install the function's dependencies for the Lambda platform."""


@jsii.implements(cdk.ILocalBundling)
class PipLocalBundling:
    """Copy the handler sources of `component` and pip-install its lock into the asset folder."""

    def __init__(self, component: str = "extract", requirements: Path = REQUIREMENTS,
                 platforms: tuple[str, ...] = (PIP_PLATFORM,),
                 unused: tuple[str, ...] = ()) -> None:
        self.component, self.requirements, self.platforms = component, requirements, platforms
        self.unused = unused
        """Glob patterns (relative to the asset) of installed files to leave out."""

    def try_bundle(self, output_dir: str, *, image: cdk.DockerImage, **_options: object) -> bool:
        """Build the asset in `output_dir`; True tells CDK not to fall back to Docker."""
        shutil.copytree(
            LAMBDAS_DIR, output_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*EXCLUDE)
        )
        for pattern in _others(self.component):  # the bundling copy honours the same excludes
            for path in Path(output_dir).glob(pattern):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        self.add_files(Path(output_dir))
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-compile", "--target", output_dir, "--require-hashes",
            "-r", str(self.requirements),
            *(arg for platform in self.platforms for arg in ("--platform", platform)),
            "--implementation", "cp",
            "--python-version", RUNTIME_PYTHON_VERSION, "--only-binary=:all:",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last_line = (result.stderr.strip().splitlines() or [""])[-1]
            raise BundlingError(
                f"pip could not install {self.requirements} for {' or '.join(self.platforms)} "
                f"cp{RUNTIME_PYTHON_VERSION}: {last_line}"
            )
        remove_unused(Path(output_dir), self.unused)
        return True

    def add_files(self, output_dir: Path) -> None:
        """Put what is not under lambdas/ into the asset (nothing, but for the report)."""


@jsii.implements(cdk.ILocalBundling)
class TransformLocalBundling(PipLocalBundling):
    """The transform function's asset: its sources and its lock installed, less pyarrow's
    unused parts."""

    def __init__(self) -> None:
        super().__init__("transform", TRANSFORM_REQUIREMENTS, (PIP_PLATFORM, NEWER_PIP_PLATFORM),
                         PYARROW_UNUSED)


@jsii.implements(cdk.ILocalBundling)
class ReportLocalBundling(PipLocalBundling):
    """The report function's asset: its sources, its lock installed, and the Plotly bundle."""

    def __init__(self) -> None:
        super().__init__("report", REPORT_REQUIREMENTS, (PIP_PLATFORM, NEWER_PIP_PLATFORM))

    def add_files(self, output_dir: Path) -> None:
        """Copy Plotly's bundle beside the page module, where the handler reads it."""
        if not PLOTLY_BUNDLE.is_file():
            raise BundlingError(f"the report's chart library is missing ({PLOTLY_BUNDLE}): "
                                "run `make venv` (npm ci installs it from package-lock.json)")
        shutil.copyfile(PLOTLY_BUNDLE, output_dir / "spotify_runtime" / "report" / PLOTLY_FILE)


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


def report_code() -> lambda_.Code:
    """Shared modules, `report/`, its lock's packages (plotly, pillow) and Plotly's JavaScript
    bundle: the monthly report function's asset."""
    return lambda_.Code.from_asset(
        str(LAMBDAS_DIR),
        exclude=[*EXCLUDE, *_others("report")],
        # The sources, the lock and the JavaScript bundle decide the asset (the bundle lives
        # outside lambdas/, so a source hash alone would miss an npm update).
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=_report_inputs_hash(),
        bundling=cdk.BundlingOptions(image=RUNTIME.bundling_image, local=ReportLocalBundling()),
    )


def _report_inputs_hash() -> str:
    return _inputs_hash("report", [REPORT_REQUIREMENTS, PLOTLY_BUNDLE])


def _inputs_hash(component: str, inputs: list[Path], settings: str = "") -> str:
    """A digest of `component`'s sources (the shared modules and its subpackage), of `inputs`
    (its lock, files from outside lambdas/) and of `settings` (bundling choices)."""
    digest = hashlib.sha256()
    runtime = LAMBDAS_DIR / "spotify_runtime"
    others = {f"spotify_runtime/{other}" for other in COMPONENTS if other != component}
    for path in sorted([*runtime.rglob("*"), *inputs]):
        relative = path.relative_to(LAMBDAS_DIR.parent).as_posix()
        if (path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc"
                or any(f"lambdas/{other}/" in relative + "/" for other in others)):
            continue
        digest.update(relative.encode())
        digest.update(path.read_bytes() if path.is_file() else b"missing")
    if settings:
        digest.update(settings.encode())
    return digest.hexdigest()


def _layered_code(component: str) -> lambda_.Code:
    """Shared modules and `<component>/`; pandas and pyarrow come from the managed layer."""
    return lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=[*EXCLUDE, *_others(component)])


def transform_code() -> lambda_.Code:
    """Shared modules, `transform/` and its lock's packages (pyarrow, PyIceberg) less pyarrow's
    unused parts: the transform function's asset, no layer."""
    return lambda_.Code.from_asset(
        str(LAMBDAS_DIR),
        exclude=[*EXCLUDE, *_others("transform")],
        # The sources, the lock and what is left out of the wheels decide the asset.
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=_inputs_hash("transform", [TRANSFORM_REQUIREMENTS],
                                "\n".join(PYARROW_UNUSED)),
        bundling=cdk.BundlingOptions(image=RUNTIME.bundling_image,
                                     local=TransformLocalBundling()),
    )


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
    """The AWS SDK for pandas layer (pyarrow): the extract worker's and the history import's
    Parquet (the run log, `streams`) come from it, never from our zips. The transform bundles
    its own pyarrow (`transform_code`)."""
    return lambda_.LayerVersion.from_layer_version_arn(
        scope,
        "AwsSdkPandasLayer",
        ssm.StringParameter.value_for_string_parameter(
            scope, pandas_layer_arn_parameter(settings.pandas_layer_version)
        ),
    )
