-- Report: plays and minutes per UTC quarter hour of the period; the report adds them up per weekday and hour in the reader's time zone.
-- Quarter hours because every time zone's offset is a multiple of 15 minutes, so each slot falls in one local hour;
-- the zone is applied outside SQL because Athena's AT TIME ZONE takes only a literal and DuckDB's means the reverse.
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH in_period AS (
    SELECT *
    FROM listening
    WHERE CAST(ended_at AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
)
SELECT
    CAST(ended_at AS DATE) AS day,
    hour(ended_at) AS hour,
    CAST(floor(minute(ended_at) / 15) AS INTEGER) AS quarter,
    count(*) AS plays,
    round(CAST(sum(ms_played) AS DOUBLE) / 60000, 1) AS minutes
FROM in_period
GROUP BY CAST(ended_at AS DATE), hour(ended_at), CAST(floor(minute(ended_at) / 15) AS INTEGER)
ORDER BY day, hour, quarter
