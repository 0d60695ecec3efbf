-- Report: plays (by the counting rule) and minutes (everything played) per day and hour of day of the period, both in the report's time zone; the report adds them up per hour of day and per weekday.
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
)
SELECT
    {{local_day(ended_at)}} AS day,
    hour({{local_time(ended_at)}}) AS hour,
    sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
    round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes
FROM in_period
GROUP BY {{local_day(ended_at)}}, hour({{local_time(ended_at)}})
ORDER BY day, hour
