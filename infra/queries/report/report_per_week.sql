-- Report: plays and minutes listened per week (starting Monday, UTC) of the period, oldest first.
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH in_period AS (
    SELECT *
    FROM listening
    WHERE CAST(ended_at AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
)
SELECT
    CAST(date_trunc('week', ended_at) AS DATE) AS week_start,
    count(*) AS plays,
    round(CAST(sum(ms_played) AS DOUBLE) / 60000, 1) AS minutes,
    count(DISTINCT CAST(ended_at AS DATE)) AS days_listened
FROM in_period
GROUP BY CAST(date_trunc('week', ended_at) AS DATE)
ORDER BY week_start
