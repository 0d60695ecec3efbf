-- Report: the top 10 artists, tracks (by artist and title) and albums of the period by minutes (everything played) and by plays (the counting rule); a row is in either top 10.
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive UTC days, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
),
items AS (
    SELECT 'artist' AS kind, artist_name AS name, CAST(NULL AS VARCHAR) AS artist_name,
           sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays, round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes
    FROM in_period
    WHERE content_type = 'track' AND artist_name IS NOT NULL
    GROUP BY artist_name
    UNION ALL
    SELECT 'track' AS kind, min(track_name) AS name, min(artist_name) AS artist_name,
           sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays, round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes
    FROM in_period
    WHERE content_type = 'track' AND track_name IS NOT NULL
    GROUP BY track_key
    UNION ALL
    SELECT 'album' AS kind, min(album_name) AS name, min(artist_name) AS artist_name,
           sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays, round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes
    FROM in_period
    WHERE content_type = 'track' AND album_name IS NOT NULL
    GROUP BY album_key
),
ranked AS (
    SELECT
        kind, name, artist_name, plays, minutes,
        row_number() OVER (PARTITION BY kind ORDER BY minutes DESC NULLS LAST, plays DESC, name) AS rank_by_minutes,
        row_number() OVER (PARTITION BY kind ORDER BY plays DESC, minutes DESC NULLS LAST, name) AS rank_by_plays
    FROM items
)
SELECT kind, name, artist_name, plays, minutes, rank_by_minutes, rank_by_plays
FROM ranked
WHERE rank_by_minutes <= 10 OR rank_by_plays <= 10
ORDER BY kind, rank_by_minutes
