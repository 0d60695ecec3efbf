-- Report: tracks and artists first played (ever, in the whole history) during the period: how many, and the 10 most played of each.
-- parameters: start_day, end_day (inclusive UTC days, 'YYYY-MM-DD')
WITH period AS (
    SELECT CAST(? AS DATE) AS start_day, CAST(? AS DATE) AS end_day
),
tracks AS (
    SELECT
        'track' AS kind,
        coalesce(song_id, concat(artist_name, ' - ', track_name)) AS item,
        max(track_name) AS name,
        max(artist_name) AS artist_name,
        ended_at
    FROM listening
    WHERE content_type = 'track' AND (song_id IS NOT NULL OR track_name IS NOT NULL)
    GROUP BY coalesce(song_id, concat(artist_name, ' - ', track_name)), ended_at
),
artists AS (
    SELECT 'artist' AS kind, artist_name AS item, artist_name AS name,
           CAST(NULL AS VARCHAR) AS artist_name, ended_at
    FROM listening
    WHERE content_type = 'track' AND artist_name IS NOT NULL
),
firsts AS (
    SELECT
        e.kind, e.item, max(e.name) AS name, max(e.artist_name) AS artist_name,
        min(e.ended_at) AS first_played_at,
        sum(CASE WHEN CAST(e.ended_at AS DATE) BETWEEN p.start_day AND p.end_day THEN 1 ELSE 0 END) AS plays_in_period
    FROM (SELECT * FROM tracks UNION ALL SELECT * FROM artists) AS e
    CROSS JOIN period AS p
    GROUP BY e.kind, e.item
),
discovered AS (
    SELECT
        f.kind, f.name, f.artist_name, f.first_played_at, f.plays_in_period,
        count(*) OVER (PARTITION BY f.kind) AS discoveries,
        row_number() OVER (PARTITION BY f.kind ORDER BY f.plays_in_period DESC, f.first_played_at, f.name) AS rank
    FROM firsts AS f
    CROSS JOIN period AS p
    WHERE CAST(f.first_played_at AS DATE) BETWEEN p.start_day AND p.end_day
)
SELECT kind, name, artist_name, first_played_at, plays_in_period, discoveries, rank
FROM discovered
WHERE rank <= 10
ORDER BY kind, rank
