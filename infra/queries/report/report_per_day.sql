-- Report: plays and minutes listened per UTC day of the period, oldest first (days without a play are absent).
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH in_period AS (
    SELECT *
    FROM listening
    WHERE CAST(ended_at AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
)
SELECT
    CAST(ended_at AS DATE) AS day,
    count(*) AS plays,
    round(CAST(sum(ms_played) AS DOUBLE) / 60000, 1) AS minutes,
    count(DISTINCT song_id) AS tracks
FROM in_period
GROUP BY CAST(ended_at AS DATE)
ORDER BY day
