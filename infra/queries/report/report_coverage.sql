-- Report: per UTC day of the period with a play, how many plays come from the export only, the API only, or both.
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH in_period AS (
    SELECT *
    FROM listening
    WHERE CAST(ended_at AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
)
SELECT
    CAST(ended_at AS DATE) AS day,
    sum(CASE WHEN origin = 'export' THEN 1 ELSE 0 END) AS export_plays,
    sum(CASE WHEN origin = 'api' THEN 1 ELSE 0 END) AS api_plays,
    sum(CASE WHEN origin = 'both' THEN 1 ELSE 0 END) AS both_plays
FROM in_period
GROUP BY CAST(ended_at AS DATE)
ORDER BY day
