-- Report: the 10 podcasts (shows) listened to longest in the period, with episodes and plays (the export's episode rows).
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH in_period AS (
    SELECT *
    FROM listening
    WHERE CAST(ended_at AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
)
SELECT
    show_name,
    count(DISTINCT coalesce(episode_id, episode_name)) AS episodes,
    count(*) AS plays,
    round(CAST(sum(ms_played) AS DOUBLE) / 60000, 1) AS minutes
FROM in_period
WHERE content_type = 'episode' AND show_name IS NOT NULL
GROUP BY show_name
ORDER BY minutes DESC NULLS LAST, plays DESC, show_name
LIMIT 10
