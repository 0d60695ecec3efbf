-- Report: obsessions: the tracks (by artist and title) played most within one week (weeks from Monday, in the report's time zone) of the period, by the counting rule; the three biggest.
-- parameters: start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold)
WITH weekly AS (
    SELECT CAST(date_trunc('week', {{local_day(ended_at)}}) AS DATE) AS week_start,
           track_name, artist_name, count(*) AS plays
    FROM listening
    WHERE {{local_day(ended_at)}} BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) AND {{is_play}}
          AND content_type = 'track' AND track_name IS NOT NULL
    GROUP BY CAST(date_trunc('week', {{local_day(ended_at)}}) AS DATE), track_name, artist_name
)
SELECT week_start, track_name, artist_name, plays
FROM weekly
ORDER BY plays DESC, week_start, track_name
LIMIT 3
