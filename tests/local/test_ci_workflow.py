"""The GitHub workflow users deploy from: checks on every push/PR, OIDC deploys from main."""

from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOW = Path(__file__).parents[2] / ".github" / "workflows" / "ci.yml"


def _workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # YAML 1.1 reads the bare key `on` as true
    return data


def test_checks_run_on_every_push_and_pull_request() -> None:
    workflow = _workflow()
    assert set(workflow["on"]) == {"push", "pull_request"}
    check = workflow["jobs"]["check"]
    commands = [step.get("run") for step in check["steps"]]
    assert "make test" in commands and "make synth" in commands
    assert "if" not in check


def test_deploys_from_main_with_oidc_dev_then_prod_behind_approval() -> None:
    jobs = _workflow()["jobs"]
    for name, env in (("deploy-dev", "dev"), ("deploy-prod", "prod")):
        job = jobs[name]
        assert job["environment"] == env
        assert job["permissions"]["id-token"] == "write"
        assert "refs/heads/main" in job["if"] and "push" in job["if"]
        credentials = next(
            step for step in job["steps"]
            if step.get("uses", "").startswith("aws-actions/configure-aws-credentials")
        )
        assert credentials["with"]["role-to-assume"] == (
            "arn:aws:iam::${{ vars.AWS_ACCOUNT_ID }}:role/${{ vars.AWS_DEPLOY_ROLE }}"
        )
        deploy = [step["run"] for step in job["steps"] if "deploy" in step.get("run", "")]
        assert deploy == [
            f'npx --yes "$CDK_CLI" deploy "SpotifyEtl-{env}/*" --require-approval never'
        ]
    assert jobs["deploy-dev"]["needs"] == "check"
    assert jobs["deploy-prod"]["needs"] == "deploy-dev"


CURRENT_MAJORS = {
    # The majors that run on Node 24 (GitHub moved actions off Node 20 in 2026): checkout and
    # setup-node v7, setup-python v6 as aws/aws-sdk-pandas's workflows use them (July 2026);
    # configure-aws-credentials v6, the first on Node 24.
    "actions/checkout": "v7",
    "actions/setup-python": "v6",
    "actions/setup-node": "v7",
    "aws-actions/configure-aws-credentials": "v6",
}


def test_checks_run_on_the_node_majors_aws_cdk_lib_supports() -> None:
    jobs = _workflow()["jobs"]
    assert jobs["check"]["strategy"]["matrix"]["node"] == ["22", "24"]
    for name in ("deploy-dev", "deploy-prod"):
        steps = jobs[name]["steps"]
        (node,) = [s for s in steps if s.get("uses", "").startswith("actions/setup-node")]
        assert node["with"]["node-version"] in ("22", "24")


def test_every_action_is_at_its_current_major() -> None:
    for job in _workflow()["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                action, _, version = step["uses"].partition("@")
                assert CURRENT_MAJORS.get(action) == version, step["uses"]


def test_a_weekly_workflow_runs_the_suite_on_the_newest_allowed_releases() -> None:
    drift = yaml.safe_load((WORKFLOW.parent / "drift.yml").read_text(encoding="utf-8"))
    triggers = drift.pop(True)
    (schedule,) = triggers["schedule"]
    _minute, _hour, day, month, weekday = schedule["cron"].split()
    assert (day, month) == ("*", "*") and weekday.isdigit(), "once a week"
    steps = [step.get("run") for step in drift["jobs"]["drift"]["steps"]]
    assert "make drift" in steps
    makefile = (WORKFLOW.parents[2] / "Makefile").read_text(encoding="utf-8")
    drift_recipe = makefile.split("\ndrift:", 1)[1].split("\n\n", 1)[0]
    assert "lock LOCK_FLAGS=--upgrade" in drift_recipe and "$(MAKE) test" in drift_recipe
