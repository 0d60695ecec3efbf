-- Top 20 artists by plays in the 7 days (of the schedule's time zone) up to the latest day with a play, every credited artist counted.
-- Portable subset of Athena engine v3 (Trino) and DuckDB: CROSS JOIN UNNEST(array) AS t (col), date - INTERVAL.
WITH latest AS (
    SELECT max({{local_day(played_at)}}) AS day FROM plays
),
week AS (
    SELECT p.played_at, p.song_id
    FROM plays AS p
    CROSS JOIN latest AS l
    WHERE {{local_day(p.played_at)}} > l.day - INTERVAL '7' DAY
),
credits AS (
    SELECT song_id, max(artist_ids) AS artist_ids
    FROM songs
    GROUP BY song_id
),
names AS (
    SELECT artist_id, max(artist_name) AS artist_name
    FROM artists
    GROUP BY artist_id
)
SELECT t.artist_id, n.artist_name, count(*) AS plays, count(DISTINCT w.song_id) AS tracks
FROM week AS w
JOIN credits AS c ON c.song_id = w.song_id
CROSS JOIN UNNEST(c.artist_ids) AS t (artist_id)
LEFT JOIN names AS n ON n.artist_id = t.artist_id
GROUP BY t.artist_id, n.artist_name
ORDER BY plays DESC, n.artist_name NULLS LAST, t.artist_id
LIMIT 20
