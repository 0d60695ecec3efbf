-- Every import of the personal-data export: rows imported, already present, skipped or merged, the time covered, and the API plays in it the export also holds.
-- From the run log (stage import) and the listening view.
-- Portable subset of Athena engine v3 (Trino) and DuckDB: map subscripts (rows['key'] on import rows, which always hold the key), CTEs, conditional aggregates (CASE).
WITH imports AS (
    SELECT run_at, raw_key, outcome, items, covered_from, covered_to, error,
           rows['imported'] AS imported,
           rows['already_present'] AS already_present
    FROM pipeline_runs
    WHERE stage = 'import'
)
SELECT
    i.run_at, i.raw_key, i.outcome, i.items AS rows_in_files, i.imported, i.already_present,
    coalesce(i.items, 0) - coalesce(i.imported, 0) - coalesce(i.already_present, 0) AS skipped,
    i.covered_from, i.covered_to,
    sum(CASE WHEN l.origin IN ('api', 'both') THEN 1 ELSE 0 END) AS api_plays_in_range,
    sum(CASE WHEN l.origin = 'both' THEN 1 ELSE 0 END) AS api_plays_also_in_export,
    i.error
FROM imports AS i
LEFT JOIN listening AS l ON l.ended_at BETWEEN i.covered_from AND i.covered_to
GROUP BY i.run_at, i.raw_key, i.outcome, i.items, i.imported, i.already_present,
         i.covered_from, i.covered_to, i.error
ORDER BY i.run_at DESC
