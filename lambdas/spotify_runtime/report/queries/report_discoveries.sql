-- Report: tracks (by artist and title) and artists first played (ever, in the whole history, by the counting rule) during the period: how many, and the 10 most played of each; first plays at the report's time zone's time.
-- parameters: min_ms_played, min_ms_played, start_day, end_day, end_day (the counting rule's threshold; inclusive days of the report's time zone, 'YYYY-MM-DD'; the end bounds both the first play and the plays counted)
-- Athena takes `?` only in WHERE clauses, so the period is given where each comparison needs it.
WITH plays AS (
    SELECT
        'track' AS kind,
        track_key AS item,
        track_name AS name,
        artist_name,
        ended_at
    FROM listening
    WHERE content_type = 'track' AND (song_id IS NOT NULL OR track_name IS NOT NULL) AND {{is_play}}
    UNION ALL
    SELECT 'artist' AS kind, artist_name AS item, artist_name AS name,
           CAST(NULL AS VARCHAR) AS artist_name, ended_at
    FROM listening
    WHERE content_type = 'track' AND artist_name IS NOT NULL AND {{is_play}}
),
firsts AS (
    SELECT kind, item, max(name) AS name, max(artist_name) AS artist_name,
           min(ended_at) AS first_played_at
    FROM plays
    GROUP BY kind, item
),
discovered AS (
    SELECT f.kind, f.item, f.name, f.artist_name, f.first_played_at,
           count(*) AS plays_in_period
    FROM firsts AS f
    JOIN plays AS p ON p.kind = f.kind AND p.item = f.item
    WHERE {{local_day(f.first_played_at)}} BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
        AND {{local_day(p.ended_at)}} <= CAST(? AS DATE)
    GROUP BY f.kind, f.item, f.name, f.artist_name, f.first_played_at
),
ranked AS (
    SELECT
        kind, name, artist_name, first_played_at, plays_in_period,
        count(*) OVER (PARTITION BY kind) AS discoveries,
        row_number() OVER (PARTITION BY kind ORDER BY plays_in_period DESC, first_played_at, name) AS rank
    FROM discovered
)
SELECT kind, name, artist_name, {{local_time(first_played_at)}} AS first_played_at, plays_in_period,
       discoveries, rank
FROM ranked
WHERE rank <= 10
ORDER BY kind, rank
