-- Report: plays (by the counting rule) and minutes (everything played) per UTC quarter hour of the period; the report adds them up per weekday and hour in the reader's time zone.
-- Quarter hours because every time zone's offset is a multiple of 15 minutes, so each slot falls in one local hour;
-- the zone is applied outside SQL because Athena's AT TIME ZONE takes only a literal and DuckDB's means the reverse.
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive UTC days, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
)
SELECT
    CAST(ended_at AS DATE) AS day,
    hour(ended_at) AS hour,
    CAST(floor(minute(ended_at) / 15) AS INTEGER) AS quarter,
    sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
    round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes
FROM in_period
GROUP BY CAST(ended_at AS DATE), hour(ended_at), CAST(floor(minute(ended_at) / 15) AS INTEGER)
ORDER BY day, hour, quarter
