"""Logical IDs kept from the first release for resources that hold data or carry a fixed name.

Moving a resource into a component construct changes its logical ID, and CloudFormation would
then create a new resource before deleting the old one: a second bucket, secret or database with
the same name fails the deploy (and a retained one is orphaned). These keep the IDs they had.
"""

from __future__ import annotations

from aws_cdk import CfnResource
from constructs import IConstruct


def keep_logical_id(construct: IConstruct, logical_id: str) -> None:
    """Pin the logical ID of `construct`'s CloudFormation resource (an L2's default child)."""
    resource = construct.node.default_child if not isinstance(construct, CfnResource) else construct
    resource.override_logical_id(logical_id)  # type: ignore[union-attr]
