-- Report: how the period's plays ended (the export's reason_end) and how many were skipped; API plays say neither.
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH period AS (
    SELECT CAST(? AS DATE) AS start_day, CAST(? AS DATE) AS end_day
),
in_period AS (
    SELECT l.*
    FROM listening AS l
    CROSS JOIN period AS p
    WHERE CAST(l.ended_at AS DATE) BETWEEN p.start_day AND p.end_day
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
