"""Items the transform's code relies on, in every environment: the bucket it accepts events for
is the bucket the rule listens to, and it may list exactly the archive prefixes it checks."""

from __future__ import annotations

import pytest
from spotify_runtime import contract, layout

from tests.infra.cfn import function, function_statements, only


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_the_transform_accepts_events_of_the_bucket_its_rule_listens_to(environments, name):
    transform = environments[name].transform
    _, properties = function(transform, contract.TRANSFORM_HANDLER)
    data_bucket = properties["Environment"]["Variables"][contract.ENV_DATA_BUCKET]
    rule = only(transform, "AWS::Events::Rule")
    assert rule["EventPattern"]["detail"]["bucket"] == {"name": [data_bucket]}
    assert rule["EventPattern"]["detail"]["object"] == {"key": [{"prefix": layout.RAW_TO_PROCESS}]}


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_already_processed_needs_only_a_listing_of_the_archive(environments, name):
    statements = function_statements(environments[name].transform, contract.TRANSFORM_HANDLER)
    listings = [s for s in statements if "s3:ListBucket" in str(s["Action"])]
    assert [s["Condition"] for s in listings] == [
        {"StringLike": {"s3:prefix": [f"{layout.RAW_PROCESSED}*", f"{layout.RAW_FAILED}*"]}}
    ]
    # No read (GetObject/HeadObject) of the archive: a listing answers whatever S3 says to reads.
    archive_reads = [
        s for s in statements
        if "s3:GetObject" in str(s["Action"])
        and any(p in str(s["Resource"]) for p in (layout.RAW_PROCESSED, layout.RAW_FAILED))
    ]
    assert archive_reads == []
