-- Report: the 5 longest listening streaks of the period (runs of consecutive UTC days with at least one play).
-- Gaps and islands: consecutive days share (day number - row number).
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH period AS (
    SELECT CAST(? AS DATE) AS start_day, CAST(? AS DATE) AS end_day
),
in_period AS (
    SELECT l.*
    FROM listening AS l
    CROSS JOIN period AS p
    WHERE CAST(l.ended_at AS DATE) BETWEEN p.start_day AND p.end_day
),
days AS (
    SELECT DISTINCT CAST(ended_at AS DATE) AS day FROM in_period
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
