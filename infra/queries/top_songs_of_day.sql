-- Top 20 songs of the latest snapshot day by popularity, then by appearances (raw files that day featuring the song).
-- Portable subset of Athena engine v3 (Trino) and DuckDB: CTEs, scalar subquery, LEFT JOIN.
-- popularity is null for development-mode apps since Feb 2026; such songs then rank by appearances.
WITH day_songs AS (
    SELECT
        s.song_id,
        max(s.song_name) AS song_name,
        max(s.artist_id) AS artist_id,
        max(s.popularity) AS popularity,
        count(*) AS appearances
    FROM songs AS s
    WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM songs)
    GROUP BY s.song_id
),
day_artists AS (
    SELECT a.artist_id, max(a.artist_name) AS artist_name
    FROM artists AS a
    WHERE a.snapshot_date = (SELECT max(snapshot_date) FROM songs)
    GROUP BY a.artist_id
)
SELECT d.song_id, d.song_name, n.artist_name, d.popularity, d.appearances
FROM day_songs AS d
LEFT JOIN day_artists AS n ON n.artist_id = d.artist_id
ORDER BY d.popularity DESC NULLS LAST, d.appearances DESC, d.song_name, d.song_id
LIMIT 20
