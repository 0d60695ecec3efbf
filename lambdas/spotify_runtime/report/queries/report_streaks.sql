-- Report: the 5 longest listening streaks of the period (runs of consecutive days, in the report's time zone, with at least one play by the counting rule).
-- Gaps and islands: consecutive days share (day number - row number).
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
),
days AS (
    SELECT DISTINCT {{local_day(ended_at)}} AS day FROM in_period WHERE is_play
),
islands AS (
    SELECT day, date_diff('day', DATE '1970-01-01', day) - row_number() OVER (ORDER BY day) AS island
    FROM days
)
SELECT min(day) AS streak_start, max(day) AS streak_end, count(*) AS days
FROM islands
GROUP BY island
ORDER BY days DESC, streak_start DESC
LIMIT 5
