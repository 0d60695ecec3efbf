"""The demo runs exactly the handlers the stacks deploy, no more, no fewer, each with the
environment variables its function has in the templates."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from spotify_runtime import contract

from spotify_etl.report.build import PLOTLY_BUNDLE
from spotify_local.local_run import RunOptions, RunSummary, run_pipeline


def deployed_python_functions(environment) -> dict[str, set[str]]:
    """`Handler` -> the names of its `Environment.Variables`, for every Python function in the
    environment's templates (CDK's own Node.js custom-resource providers are not ours to run)."""
    found: dict[str, set[str]] = {}
    for template in environment.templates.values():
        for resource in template.find_resources("AWS::Lambda::Function").values():
            properties = resource["Properties"]
            if str(properties.get("Runtime", "")).startswith("python"):
                variables = properties.get("Environment", {}).get("Variables", {})
                assert properties["Handler"] not in found, "one function per handler"
                found[properties["Handler"]] = set(variables)
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> RunSummary:
    """One sample run of the demo, shared by the tests of this module (it takes seconds)."""
    summary = run_pipeline(
        RunOptions(lake_dir=tmp_path_factory.mktemp("demo") / "lake", chart_library=PLOTLY_BUNDLE,
                   print_queries=False),
        Console(file=io.StringIO(), width=200),
    )
    assert not summary.failures
    return summary


def test_the_demo_invokes_every_deployed_handler_and_nothing_else(dev, demo):
    deployed = set(deployed_python_functions(dev))
    assert len(deployed) == 5
    assert demo.handlers_invoked == deployed
    # The monthly report handler ran on the demo lake through the Athena stand-in.
    month = demo.monthly_report["month"]
    assert demo.monthly_report["page"] == f"reports/{month}.html"
    assert demo.monthly_report["mailed_to"] is None


def test_each_handler_runs_with_the_variables_its_function_has(dev, demo):
    """Both sides build them with infra.function_environments; this fails if a construct or the
    local run sets a variable by hand, or leaves one out."""
    deployed = deployed_python_functions(dev)
    assert set(demo.environments) == set(deployed)
    for handler, variables in deployed.items():
        # LOG_LEVEL: PythonFunction gives it to every function; the demo sets it for the run.
        # REPORT_EMAIL, if the environment has an address: the demo mails nothing.
        assert demo.environments[handler] | {contract.ENV_LOG_LEVEL} == variables - {
            contract.ENV_REPORT_EMAIL}, handler
