-- Report: plays (by the counting rule) and minutes listened (everything played) per week (starting Monday, in the report's time zone) of the period, oldest first.
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
)
SELECT
    CAST(date_trunc('week', {{local_day(ended_at)}}) AS DATE) AS week_start,
    sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
    round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes,
    count(DISTINCT CASE WHEN is_play THEN {{local_day(ended_at)}} END) AS days_listened
FROM in_period
GROUP BY CAST(date_trunc('week', {{local_day(ended_at)}}) AS DATE)
ORDER BY week_start
