-- Report: how the period's rows ended (the Extended export's reason_end) and how many were skipped (null where Spotify did not record it: not false); the Account-data export and the API say neither.
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
)
SELECT
    coalesce(reason_end, 'not recorded') AS reason_end,
    count(*) AS rows_ended,
    sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
    CASE WHEN count(skipped) > 0 THEN sum(CASE WHEN skipped THEN 1 ELSE 0 END) END AS skipped_rows,
    count(skipped) AS rows_with_skipped,
    round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes
FROM in_period
WHERE reason_end IS NOT NULL OR skipped IS NOT NULL
GROUP BY coalesce(reason_end, 'not recorded')
ORDER BY rows_ended DESC, reason_end
