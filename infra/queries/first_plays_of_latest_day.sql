-- Tracks played for the first time ever on the latest day (in the schedule's time zone) with a play, in the order first played (first_played_at: that zone's time).
-- Portable subset of Athena engine v3 (Trino) and DuckDB: GROUP BY with HAVING, scalar subquery.
WITH firsts AS (
    SELECT song_id, min(played_at) AS first_played_at, count(*) AS plays
    FROM plays
    GROUP BY song_id
),
names AS (
    SELECT song_id, max(song_name) AS song_name, max(artist_id) AS artist_id
    FROM songs
    GROUP BY song_id
),
artist_names AS (
    SELECT artist_id, max(artist_name) AS artist_name
    FROM artists
    GROUP BY artist_id
)
SELECT f.song_id, s.song_name, a.artist_name, {{local_time(f.first_played_at)}} AS first_played_at, f.plays
FROM firsts AS f
LEFT JOIN names AS s ON s.song_id = f.song_id
LEFT JOIN artist_names AS a ON a.artist_id = s.artist_id
WHERE {{local_day(f.first_played_at)}} = (SELECT max({{local_day(played_at)}}) FROM plays)
ORDER BY f.first_played_at, f.song_id
LIMIT 50
