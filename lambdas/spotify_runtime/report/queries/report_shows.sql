-- Report: the 10 podcasts (shows) listened to longest in the period, with episodes and plays (by the counting rule; the export's episode rows).
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
)
SELECT
    show_name,
    count(DISTINCT coalesce(episode_id, episode_name)) AS episodes,
    sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
    round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes
FROM in_period
WHERE content_type = 'episode' AND show_name IS NOT NULL
GROUP BY show_name
ORDER BY minutes DESC NULLS LAST, plays DESC, show_name
LIMIT 10
