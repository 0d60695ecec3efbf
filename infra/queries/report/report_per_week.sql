-- Report: plays and minutes listened per week (starting Monday, UTC) of the period, oldest first.
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
    CAST(date_trunc('week', ended_at) AS DATE) AS week_start,
    count(*) AS plays,
    round(CAST(sum(ms_played) AS DOUBLE) / 60000, 1) AS minutes,
    count(DISTINCT CAST(ended_at AS DATE)) AS days_listened
FROM in_period
GROUP BY CAST(date_trunc('week', ended_at) AS DATE)
ORDER BY week_start
