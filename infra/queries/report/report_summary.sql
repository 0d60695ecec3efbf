-- Report: totals for the period, and how many plays carry each of the export's columns (a section without its column is hidden).
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH in_period AS (
    SELECT *
    FROM listening
    WHERE CAST(ended_at AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
)
SELECT
    count(*) AS plays,
    round(CAST(sum(ms_played) AS DOUBLE) / 60000, 1) AS minutes,
    count(DISTINCT CAST(ended_at AS DATE)) AS days_listened,
    count(DISTINCT song_id) AS tracks,
    count(DISTINCT artist_name) AS artists,
    min(ended_at) AS first_play,
    max(ended_at) AS last_play,
    count(ms_played) AS plays_with_duration,
    count(reason_end) AS plays_with_reason_end,
    count(skipped) AS plays_with_skipped,
    sum(CASE WHEN content_type = 'episode' THEN 1 ELSE 0 END) AS episode_plays,
    sum(CASE WHEN origin = 'export' THEN 1 ELSE 0 END) AS export_plays,
    sum(CASE WHEN origin = 'api' THEN 1 ELSE 0 END) AS api_plays,
    sum(CASE WHEN origin = 'both' THEN 1 ELSE 0 END) AS both_plays
FROM in_period
