"""CatalogStack: Glue database and crawler, Athena workgroup and named queries."""

from __future__ import annotations

import json

from spotify_runtime import layout
from spotify_runtime.transform.tables import TABLES

from infra.constructs.nag import render
from infra.named_queries import REPORT_QUERIES_DIR, load_named_queries
from tests.infra.cfn import grants, only, resources, role_statements

BUCKET = "spotify-etl-dev-<AWS::AccountId>-us-east-1"


def test_crawler_crawls_the_defined_tables_weekly(dev, config):
    crawler = only(dev.catalog, "AWS::Glue::Crawler")
    assert "S3Targets" not in crawler["Targets"]  # it never makes a table of its own
    (target,) = crawler["Targets"]["CatalogTargets"]
    assert target["DatabaseName"] == "spotify_etl_dev"
    assert target["Tables"] == [*TABLES, "streams", "pipeline_runs"]
    assert crawler["Schedule"]["ScheduleExpression"] == (
        f"cron({config.environments['dev'].crawler_cron})"
    )
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_EVERYTHING"}
    assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
    configuration = json.loads(crawler["Configuration"])
    assert configuration["CrawlerOutput"]["Partitions"] == {
        "AddOrUpdateBehavior": "InheritFromTable"}
    assert "Tables" not in configuration["CrawlerOutput"]  # no MergeNewColumns
    assert crawler["DatabaseName"] == "spotify_etl_dev"


def test_crawler_logs_are_encrypted_into_its_own_log_group(dev):
    ((security_id, security),) = resources(dev.catalog, "AWS::Glue::SecurityConfiguration").items()
    encryption = security["Properties"]["EncryptionConfiguration"]["CloudWatchEncryption"]
    assert encryption["CloudWatchEncryptionMode"] == "SSE-KMS"
    crawler = only(dev.catalog, "AWS::Glue::Crawler")
    assert crawler["CrawlerSecurityConfiguration"] == {"Ref": security_id}
    log_group = only(dev.catalog, "AWS::Logs::LogGroup")
    assert render(log_group["LogGroupName"]).startswith("/aws-glue/crawlers-role/")
    assert "KmsKeyId" in log_group


def test_crawler_role_is_least_privilege(dev):
    (role_id,) = resources(dev.catalog, "AWS::IAM::Role")
    statements = role_statements(dev.catalog, role_id)
    allowed = grants(statements)
    s3 = {(a, r) for a, r in allowed if a.startswith("s3:")}
    assert s3 == {("s3:GetObject", f"arn:<AWS::Partition>:s3:::{BUCKET}/{prefix}*")
                  for prefix in (layout.PROCESSED, layout.RUN_LOG)}
    (listing,) = [s for s in statements if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {
        "StringLike": {"s3:prefix": [f"{layout.PROCESSED}*", f"{layout.RUN_LOG}*"]}}
    glue_resources = {r for a, r in allowed if a.startswith("glue:")}
    tables = {r for r in glue_resources if ":table/" in r}
    assert tables == {
        f"arn:<AWS::Partition>:glue:us-east-1:<AWS::AccountId>:table/spotify_etl_dev/{t}"
        for t in [*TABLES, "streams", "pipeline_runs"]
    }
    assert all(":catalog" in r or ":database/" in r or ":table/" in r for r in glue_resources)
    log_resources = {r for a, r in allowed if a.startswith("logs:")}
    assert log_resources and all("/aws-glue/crawlers-role/" in r for r in log_resources)
    assert not any("*" in a for a, _ in allowed)


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
