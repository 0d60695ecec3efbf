"""Acknowledging a cdk-nag finding next to the resource it concerns, by its full id."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from constructs import IConstruct

PREFIX_REASON = (
    "Object keys under this prefix are data-dependent (one per source, run and table); a key "
    "prefix is the narrowest scope S3 IAM can express, and it excludes the rest of the bucket."
)
KEY_PATTERN_REASON = (
    "The wildcard stands for one path segment of a fixed key pattern (a day); the pattern names "
    "one object per day and matches nothing else in the bucket."
)
DLQ_REASON = (
    "This queue is itself where failed events end (a dead-letter / on-failure destination) and "
    "it has an alarm on any visible message; a dead-letter queue behind it would only hide them."
)


def acknowledge(scope: IConstruct, finding: str, reason: str) -> None:
    """Accept one finding (e.g. `AwsSolutions-SQS3`) on `scope` and its children, with a reason."""
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=finding, reason=reason))


def acknowledge_wildcard_resource(scope: IConstruct, resource: str, reason: str) -> None:
    """Accept the AwsSolutions-IAM5 finding of one wildcard resource ARN of `scope`'s policy."""
    rendered = render(cdk.Stack.of(scope).resolve(resource))
    acknowledge(scope, f"AwsSolutions-IAM5[Resource::{rendered}]", reason)


def render(node: Any) -> str:
    """A resolved CloudFormation value as a flat string, the way cdk-nag names it in a finding."""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict) and "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return delimiter.join(render(item) for item in items)
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        resource, attribute = node["Fn::GetAtt"]
        return f"<{render(resource)}.{render(attribute)}>"
    if isinstance(node, dict) and "Ref" in node:
        return f"<{render(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))  # as cdk-nag (JSON.stringify) writes it
