-- Report: runs of the period that may have lost plays: a recently-played run that failed, or that found a full page of 50 plays newer than its cursor (the ListeningHistoryGaps rule).
-- 50 is contract.LISTENING_PAGE_SIZE; a source's first landing has no cursor, so a full page then is not a gap.
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH listening_runs AS (
    SELECT run_at, run_date, outcome, items, error,
           min(CASE WHEN outcome = 'landed' THEN run_at END) OVER () AS first_landing
    FROM pipeline_runs
    WHERE stage = 'extract' AND source = 'recently-played'
)
SELECT
    r.run_at,
    CASE WHEN r.outcome = 'landed' THEN 'possible gap: 50 plays newer than the cursor' ELSE r.outcome END AS finding,
    r.items,
    r.error
FROM listening_runs AS r
WHERE CAST(r.run_date AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
    AND (r.outcome = 'dead_lettered' OR (r.outcome = 'landed' AND r.items >= 50 AND r.run_at > r.first_landing))
ORDER BY r.run_at
