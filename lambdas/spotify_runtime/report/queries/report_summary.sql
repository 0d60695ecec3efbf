-- Report: totals for the period (plays by the counting rule, minutes of everything played, tracks by artist and title), and how many rows carry each of the export's columns (a section without its column is hidden); days and times in the report's time zone.
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
)
SELECT
    sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
    round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes,
    count(*) AS rows_recorded,
    count(DISTINCT CASE WHEN is_play THEN {{local_day(ended_at)}} END) AS days_listened,
    count(DISTINCT CASE WHEN is_play AND content_type = 'track' THEN track_key END) AS tracks,
    count(DISTINCT CASE WHEN is_play AND content_type = 'track' THEN artist_name END) AS artists,
    {{local_time(min(CASE WHEN is_play THEN ended_at END))}} AS first_play,
    {{local_time(max(CASE WHEN is_play THEN ended_at END))}} AS last_play,
    count(ms_played) AS plays_with_duration,
    count(reason_end) AS plays_with_reason_end,
    count(skipped) AS plays_with_skipped,
    sum(CASE WHEN is_play AND content_type = 'track' THEN 1 ELSE 0 END) AS track_plays,
    sum(CASE WHEN is_play AND content_type = 'track' AND album_name IS NOT NULL THEN 1 ELSE 0 END) AS track_plays_with_album,
    sum(CASE WHEN is_play AND content_type = 'episode' THEN 1 ELSE 0 END) AS episode_plays,
    sum(CASE WHEN is_play AND origin = 'export' THEN 1 ELSE 0 END) AS export_plays,
    sum(CASE WHEN is_play AND origin = 'api' THEN 1 ELSE 0 END) AS api_plays,
    sum(CASE WHEN is_play AND origin = 'both' THEN 1 ELSE 0 END) AS both_plays
FROM in_period
