"""One construct per concern of the pipeline; the stacks compose them and wire their grants.

| construct | runtime code it deploys |
| --- | --- |
| `data_lake.DataLake` | (none: the bucket every component reads and writes by prefix) |
| `spotify_secret.SpotifySecret` | (none: credentials the extract worker reads) |
| `extraction.Extraction` | `lambdas/spotify_runtime/extract/` (planner, worker) |
| `transformation.Transformation` | `lambdas/spotify_runtime/transform/` |
| `catalog.Catalog` | (none: Glue database, tables from `catalog_tables.py`) |
| `query_workgroup.QueryWorkgroup` | (none: Athena workgroup, `infra/queries/*.sql`) |
| `dashboard.PipelineDashboard` | (none: CloudWatch dashboard over the metrics of `contract.py`) |
"""
