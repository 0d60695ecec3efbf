-- Report: the pipeline's own health per run day of the period: runs, sources landed and failed, raw files transformed and quarantined.
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
SELECT
    CAST(r.run_date AS DATE) AS run_day,
    count(DISTINCT r.run_at) AS runs,
    count(DISTINCT CASE WHEN r.stage = 'extract' AND r.outcome = 'landed' THEN r.source END) AS sources_landed,
    count(DISTINCT CASE WHEN r.stage = 'extract' AND r.outcome = 'dead_lettered' THEN r.source END) AS sources_failed,
    sum(CASE WHEN r.stage = 'transform' AND r.outcome = 'processed' THEN 1 ELSE 0 END) AS files_transformed,
    sum(CASE WHEN r.stage = 'transform' AND r.outcome = 'quarantined' THEN 1 ELSE 0 END) AS files_quarantined,
    coalesce(sum(r.rate_limited), 0) AS rate_limited_429s
FROM pipeline_runs AS r
WHERE CAST(r.run_date AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
GROUP BY CAST(r.run_date AS DATE)
ORDER BY run_day
