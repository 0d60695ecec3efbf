-- Report: plays (by the counting rule), minutes listened (everything played) and tracks (by artist and title) per day (in the report's time zone) of the period, oldest first (days with no row are absent).
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
)
SELECT
    {{local_day(ended_at)}} AS day,
    sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
    round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes,
    count(DISTINCT CASE WHEN is_play AND content_type = 'track' THEN track_key END) AS tracks
FROM in_period
GROUP BY {{local_day(ended_at)}}
ORDER BY day
