-- Report: how the period's plays ended (the export's reason_end) and how many were skipped; API plays say neither.
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH in_period AS (
    SELECT *
    FROM listening
    WHERE CAST(ended_at AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
)
SELECT
    coalesce(reason_end, 'not recorded') AS reason_end,
    count(*) AS plays,
    sum(CASE WHEN skipped THEN 1 ELSE 0 END) AS skipped_plays,
    round(CAST(sum(ms_played) AS DOUBLE) / 60000, 1) AS minutes
FROM in_period
WHERE reason_end IS NOT NULL OR skipped IS NOT NULL
GROUP BY coalesce(reason_end, 'not recorded')
ORDER BY plays DESC, reason_end
