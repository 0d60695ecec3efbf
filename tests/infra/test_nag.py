"""cdk-nag AwsSolutionsChecks: every acknowledgement specific and explained, and the checks bite.

That the whole app has no unacknowledged finding is tested by synthesizing app.py itself
(test_app.py), which registers the checks exactly as `cdk synth` runs them.
"""

from __future__ import annotations

import json
import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks

BARE_RULES_ACKNOWLEDGED = {"AwsSolutions-S1", "AwsSolutions-SMG4", "AwsSolutions-SQS3"}
"""Rules without a bracketed part: one finding per resource, acknowledged on that resource."""


def acknowledgements(scope) -> dict[str, tuple[str, str]]:
    """Construct path + rule id -> (rule id, reason) of every acknowledgement under `scope`."""
    found = {}
    for construct in scope.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for qualified_id, reason in entry.data.items():
                    rule = qualified_id.split("::", 1)[-1]
                    found[f"{construct.node.path} {rule}"] = (rule, reason)
    return found


def test_every_acknowledgement_is_specific_and_explained(environments):
    found = {}
    for env in environments.values():
        found.update(acknowledgements(env.stage))
    assert found
    for where, (rule, reason) in found.items():
        assert rule.startswith("AwsSolutions-"), where
        assert "[" in rule or rule in BARE_RULES_ACKNOWLEDGED, where
        assert len(reason) >= 60, f"{where}: reason too short"
    wildcards = sorted({rule for rule, _ in found.values() if rule.startswith("AwsSolutions-IAM5")})
    # Each wildcard is a prefix of our layout, the run log's day objects, a Lambda's own
    # versions, its own log streams, the tables of the environment's own Glue database, or the
    # log streams of Glue's Iceberg optimizers.
    for rule in wildcards:
        assert re.search(
            r"/(raw/to_process|raw/processed|raw/failed|tables|processed/streams|state|"
            r"pipeline_runs|imports|imports-failed|athena-results|reports)/\*\]$|"
            r":log-group:/aws-glue/iceberg-(compaction|retention|orphan-file-deletion)/logs:\*\]$|"
            r":glue:[^:]+:<AWS::AccountId>:table/spotify_etl_(dev|prod)/\*\]$|"
            r"/pipeline_runs/run_date=\*/runs\.parquet\]$|"
            r"\.Arn>:\*\]$|:log-stream:\*\]$",
            rule,
        ), rule
    assert not any(rule.startswith("AwsSolutions-IAM4") for rule, _ in found.values())


def test_nag_catches_a_non_compliant_resource(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Bad")
    queue = sqs.Queue(stack, "Plain", encryption=sqs.QueueEncryption.UNENCRYPTED)
    # An acknowledgement of another rule does not hide this queue's findings.
    cdk.Validations.of(queue).acknowledge(
        cdk.Acknowledgment(id="AwsSolutions-SQS3", reason="a dead-letter queue in this test")
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert {"AwsSolutions-SQS2", "AwsSolutions-SQS4"} <= rules
    assert "AwsSolutions-SQS3" not in rules


def test_an_environment_with_listening_sources_is_nag_clean(tmp_path):
    """The listening schedule and the state-prefix grant exist only when a listening source is
    configured (cdk.json has none): check them against the same rules."""
    from infra.config import parse_environment
    from infra.stage import SpotifyEtlStage

    settings = parse_environment("listen", {"sources": ["recently-played"]}, {})
    app = cdk.App(context={"aws:cdk:bundling-stacks": []}, outdir=str(tmp_path))
    stage = SpotifyEtlStage(app, settings)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged finding
    found = acknowledgements(stage)
    assert any(rule.endswith("/state/*]") for rule, _ in found.values())
