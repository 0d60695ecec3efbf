"""CatalogStack: Glue database and tables, Athena workgroup and named queries."""

from __future__ import annotations

import json

from spotify_runtime import layout

from infra.named_queries import REPORT_QUERIES_DIR, load_named_queries
from tests.infra.cfn import only, resources


def test_no_crawler_and_nothing_that_only_served_it(dev, prod):
    # Athena ignores partitions registered in the catalog of a table with projection on
    # (docs/freshness.md), so a crawler registering them would buy nothing: no crawler, and no
    # role, key, log group or security configuration kept for one.
    for env in (dev, prod):
        present = {resource["Type"] for resource in env.catalog.to_json()["Resources"].values()}
        assert not present & {"AWS::Glue::Crawler", "AWS::Glue::SecurityConfiguration",
                              "AWS::IAM::Role", "AWS::KMS::Key", "AWS::Logs::LogGroup",
                              "AWS::Events::Rule"}


def test_workgroup_enforces_encrypted_results_and_a_scan_limit(dev, config):
    workgroup = only(dev.catalog, "AWS::Athena::WorkGroup")
    settings = workgroup["WorkGroupConfiguration"]
    assert settings["EnforceWorkGroupConfiguration"] is True
    assert settings["EngineVersion"] == {"SelectedEngineVersion": "Athena engine version 3"}
    assert settings["PublishCloudWatchMetricsEnabled"] is True
    cutoff_mb = config.environments["dev"].athena_bytes_scanned_cutoff_mb
    assert settings["BytesScannedCutoffPerQuery"] == cutoff_mb * 1024 * 1024
    result = settings["ResultConfiguration"]
    assert result["EncryptionConfiguration"] == {"EncryptionOption": "SSE_S3"}
    assert json.dumps(result["OutputLocation"]).endswith(
        f'"-us-east-1/{layout.ATHENA_RESULTS}"]]}}'
    )


def test_one_named_query_per_sql_file_with_its_text(dev):
    queries = [*load_named_queries(), *load_named_queries(REPORT_QUERIES_DIR)]
    assert len(queries) >= 3 and any(q.name.startswith("report_") for q in queries)
    named = {
        q["Properties"]["Name"]: q["Properties"]
        for q in resources(dev.catalog, "AWS::Athena::NamedQuery").values()
    }
    assert set(named) == {q.name for q in queries}
    for query in queries:
        assert named[query.name]["QueryString"] == query.sql
        assert named[query.name]["Description"] == query.description
        assert named[query.name]["Database"] == "spotify_etl_dev"
        assert not query.description.startswith("--")


def test_named_queries_follow_the_folder(tmp_path):
    (tmp_path / "b.sql").write_text("-- Second\nSELECT 2\n")
    (tmp_path / "a.sql").write_text("-- First query.\n-- more\nSELECT 1\n")
    (tmp_path / "notes.txt").write_text("ignored")
    queries = load_named_queries(tmp_path)
    assert [(q.name, q.description) for q in queries] == [("a", "First query."), ("b", "Second")]
    assert queries[0].sql.endswith("SELECT 1")


def test_named_queries_count_the_days_of_the_schedules_time_zone(tmp_path):
    # The zone is written into the text at synth (Athena's AT TIME ZONE takes only a literal).
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.config import EnvironmentSettings
    from infra.stacks.catalog import CatalogStack

    settings = EnvironmentSettings("tokyo", schedule_time_zone="Asia/Tokyo")
    stack = CatalogStack(cdk.App(outdir=str(tmp_path)), "Catalog", settings=settings)
    named = {q["Properties"]["Name"]: q["Properties"]["QueryString"]
             for q in resources(Template.from_stack(stack), "AWS::Athena::NamedQuery").values()}
    expected = [*load_named_queries(zone="Asia/Tokyo"),
                *load_named_queries(REPORT_QUERIES_DIR, "Asia/Tokyo")]
    assert named == {q.name: q.sql for q in expected}
    assert "AT TIME ZONE 'Asia/Tokyo'" in named["listening_per_day"]
    assert "AT TIME ZONE 'Asia/Tokyo'" in named["report_per_day"]
    assert "AT TIME ZONE" not in named["pipeline_health"]
