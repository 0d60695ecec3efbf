-- Per run day: sources landed, failed (dead-lettered) and deferred, raw files transformed and quarantined, Spotify requests and 429s (from the run log).
-- Portable subset of Athena engine v3 (Trino) and DuckDB: conditional aggregates (CASE), count(DISTINCT).
-- A source counts once per outcome per day however many times its message was handled, a raw file once however often it was delivered; requests and 429s add up every handling.
SELECT
    run_date,
    count(DISTINCT CASE WHEN stage = 'extract' THEN run_at END) AS runs,
    count(DISTINCT CASE WHEN stage = 'extract' THEN source END) AS sources,
    count(DISTINCT CASE WHEN stage = 'extract' AND outcome = 'landed' THEN source END) AS sources_landed,
    count(DISTINCT CASE WHEN stage = 'extract' AND outcome = 'dead_lettered' THEN source END) AS sources_failed,
    count(DISTINCT CASE WHEN stage = 'extract' AND outcome = 'deferred' THEN source END) AS sources_deferred,
    count(DISTINCT CASE WHEN stage = 'transform' AND outcome = 'processed' THEN raw_key END) AS files_transformed,
    count(DISTINCT CASE WHEN stage = 'transform' AND outcome = 'quarantined' THEN raw_key END) AS files_quarantined,
    coalesce(sum(requests), 0) AS requests,
    coalesce(sum(rate_limited), 0) AS rate_limited_429s
FROM pipeline_runs
GROUP BY run_date
ORDER BY run_date DESC
