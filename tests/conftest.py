"""Suite-wide setup."""

import os
import shutil
import subprocess

# jsii's Node prints a large end-of-life banner for each app it starts unless told which Node
# major to stay quiet about (the Makefile sets this too; this covers a plain `pytest`).
if "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION" not in os.environ and shutil.which("node"):
    _version = subprocess.run(["node", "-v"], capture_output=True, text=True, check=False).stdout
    os.environ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = (
        _version.strip().lstrip("v").split(".")[0]
    )


from collections.abc import Iterator

import pytest


@pytest.fixture
def aws_in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in process, with fake credentials and a region, nothing from the environment (no
    endpoint of a local moto server, no profile)."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield


@pytest.fixture(autouse=True)
def new_lambda_container():
    """Every test starts as a new Lambda container: no client kept from another test's endpoint."""
    from spotify_local.lambda_context import new_container, run_containers_as_threads

    run_containers_as_threads()  # as the local event source runs them: tests start threads too
    new_container()
    yield
    new_container()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Leave the process (the controller and each xdist worker) without the interpreter's
    finalization, where pyarrow's thread pools can abort it after every test passed
    (spotify_etl/clean_exit.py). atexit runs after pytest has printed and returned its status,
    so this only replaces the teardown that could turn a pass into SIGABRT."""
    import atexit

    from spotify_etl.clean_exit import exit_now

    worker = hasattr(session.config, "workerinput")
    atexit.register(exit_now, 0 if worker else int(exitstatus))
