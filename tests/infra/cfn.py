"""Reading synthesized templates without pinning logical IDs."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from infra.constructs.nag import render


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical ID -> resource of one type."""
    return template.find_resources(resource_type)


def only(template: Template, resource_type: str) -> dict[str, Any]:
    """The properties of the one resource of this type."""
    found = resources(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values())).get("Properties", {})


def function(template: Template, handler: str) -> tuple[str, dict[str, Any]]:
    """(logical ID, properties) of the Lambda function with this handler."""
    matches = [
        (logical_id, resource["Properties"])
        for logical_id, resource in resources(template, "AWS::Lambda::Function").items()
        if resource["Properties"].get("Handler") == handler
    ]
    assert len(matches) == 1, f"expected one function with handler {handler}"
    return matches[0]


def role_statements(template: Template, role_logical_id: str) -> list[dict[str, Any]]:
    """The statements of every policy of one role (inline or attached AWS::IAM::Policy)."""
    statements = []
    role = resources(template, "AWS::IAM::Role")[role_logical_id]["Properties"]
    for policy in role.get("Policies", []):
        statements += policy["PolicyDocument"]["Statement"]
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def function_statements(template: Template, handler: str) -> list[dict[str, Any]]:
    """The statements of the role of the function with this handler."""
    _, properties = function(template, handler)
    role_logical_id = properties["Role"]["Fn::GetAtt"][0]
    return role_statements(template, role_logical_id)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(action, rendered resource) pairs of the Allow statements without conditions."""
    return {
        (action, render(resource))
        for statement in statements
        if statement["Effect"] == "Allow" and "Condition" not in statement
        for action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    }


def actions_on(statements: list[dict[str, Any]], rendered_resource_end: str) -> set[str]:
    """Allowed actions on resources whose rendered ARN ends with `rendered_resource_end`."""
    return {
        action
        for action, resource in grants(statements)
        if resource.endswith(rendered_resource_end)
    }
