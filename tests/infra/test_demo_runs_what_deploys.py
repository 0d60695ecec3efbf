"""The demo runs exactly the handlers the stacks deploy: no more, no fewer."""

from __future__ import annotations

import io

from rich.console import Console

from spotify_etl.report.build import PLOTLY_BUNDLE
from spotify_local.local_run import RunOptions, run_pipeline


def deployed_python_handlers(environment) -> set[str]:
    """`Handler` of every Python function in the environment's templates (CDK's own Node.js
    custom-resource providers are not ours to run)."""
    found = set()
    for template in environment.templates.values():
        for resource in template.find_resources("AWS::Lambda::Function").values():
            properties = resource["Properties"]
            if str(properties.get("Runtime", "")).startswith("python"):
                found.add(properties["Handler"])
    return found


def test_the_demo_invokes_every_deployed_handler_and_nothing_else(dev, tmp_path):
    summary = run_pipeline(
        RunOptions(lake_dir=tmp_path / "lake", chart_library=PLOTLY_BUNDLE, print_queries=False),
        Console(file=io.StringIO(), width=200),
    )
    assert not summary.failures
    deployed = deployed_python_handlers(dev)
    assert len(deployed) == 5
    assert summary.handlers_invoked == deployed
    # The monthly report handler ran on the demo lake through the Athena stand-in.
    month = summary.monthly_report["month"]
    assert summary.monthly_report["page"] == f"reports/{month}.html"
    assert summary.monthly_report["mailed_to"] is None
