-- Artists credited on the most distinct songs in the latest snapshot day (every credited artist, not only the first).
-- Portable subset of Athena engine v3 (Trino) and DuckDB: CROSS JOIN UNNEST(array) AS t (col).
WITH credits AS (
    SELECT DISTINCT s.song_id, t.artist_id
    FROM songs AS s
    CROSS JOIN UNNEST(s.artist_ids) AS t (artist_id)
    WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM songs)
),
day_artists AS (
    SELECT a.artist_id, max(a.artist_name) AS artist_name
    FROM artists AS a
    WHERE a.snapshot_date = (SELECT max(snapshot_date) FROM songs)
    GROUP BY a.artist_id
)
SELECT c.artist_id, n.artist_name, count(*) AS song_count
FROM credits AS c
LEFT JOIN day_artists AS n ON n.artist_id = c.artist_id
GROUP BY c.artist_id, n.artist_name
ORDER BY song_count DESC, n.artist_name NULLS LAST, c.artist_id
LIMIT 20
