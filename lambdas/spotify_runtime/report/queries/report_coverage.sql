-- Report: per day (in the report's time zone) of the period with a play, how many plays (by the counting rule) come from the export only, the API only, or both.
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
)
SELECT
    {{local_day(ended_at)}} AS day,
    sum(CASE WHEN is_play AND origin = 'export' THEN 1 ELSE 0 END) AS export_plays,
    sum(CASE WHEN is_play AND origin = 'api' THEN 1 ELSE 0 END) AS api_plays,
    sum(CASE WHEN is_play AND origin = 'both' THEN 1 ELSE 0 END) AS both_plays
FROM in_period
WHERE is_play
GROUP BY {{local_day(ended_at)}}
ORDER BY day
