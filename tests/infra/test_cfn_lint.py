"""cfn-lint over every synthesized template: no error and no warning but W3005.

W3005 is CDK's redundant DependsOn. Informational rules (I*, e.g. "prefer Fn::Sub over
Fn::Join", which is how CDK renders every ARN) are style hints, not findings.
"""

from __future__ import annotations

import json

import cfnlint.api
import pytest

IGNORED = {"W3005"}


@pytest.mark.parametrize("environment", ["dev", "prod"])
@pytest.mark.parametrize("stack", ["Ingest", "Transform", "Catalog"])
def test_template_passes_cfn_lint(environments, environment, stack):
    template = environments[environment].templates[stack].to_json()
    # In the environment's region: some resource types (Glue's table optimizers) exist in some
    # regions only, which lint_all (every region) reports for each region without them.
    region = environments[environment].stage.region
    matches = cfnlint.api.lint(json.dumps(template), regions=[region])
    findings = [str(m) for m in matches if m.rule.id[0] in "EW" and m.rule.id not in IGNORED]
    assert findings == []


def test_cfn_lint_reports_a_broken_template():
    broken = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"Nope": 1}}}}
    assert any(m.rule.id.startswith("E") for m in cfnlint.api.lint_all(json.dumps(broken)))
