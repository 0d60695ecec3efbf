-- Playlist tracks in each playlist's latest snapshot that were not in its previous snapshot.
-- Only playlists with at least two snapshot days appear (no previous snapshot, nothing is "new").
-- Rows without a playlist_id (backfilled tutorial pages that name none) are not compared.
-- Portable subset of Athena engine v3 (Trino) and DuckDB: window function, anti-join by LEFT JOIN.
WITH ranked AS (
    SELECT
        playlist_id,
        snapshot_date,
        row_number() OVER (PARTITION BY playlist_id ORDER BY snapshot_date DESC) AS recency
    FROM (SELECT DISTINCT playlist_id, snapshot_date FROM playlist_tracks) AS snapshots
),
latest AS (
    SELECT t.playlist_id, t.song_id, t.position, t.added_at, t.snapshot_date
    FROM playlist_tracks AS t
    JOIN ranked AS r
        ON r.playlist_id = t.playlist_id AND r.snapshot_date = t.snapshot_date AND r.recency = 1
),
previous AS (
    SELECT DISTINCT t.playlist_id, t.song_id, t.snapshot_date
    FROM playlist_tracks AS t
    JOIN ranked AS r
        ON r.playlist_id = t.playlist_id AND r.snapshot_date = t.snapshot_date AND r.recency = 2
),
has_previous AS (
    SELECT DISTINCT playlist_id, snapshot_date AS previous_snapshot_date FROM previous
)
SELECT
    l.playlist_id,
    l.song_id,
    min(l.position) AS first_position,
    min(l.added_at) AS added_at,
    l.snapshot_date,
    h.previous_snapshot_date
FROM latest AS l
JOIN has_previous AS h ON h.playlist_id = l.playlist_id
LEFT JOIN previous AS p ON p.playlist_id = l.playlist_id AND p.song_id = l.song_id
WHERE p.song_id IS NULL
GROUP BY l.playlist_id, l.song_id, l.snapshot_date, h.previous_snapshot_date
ORDER BY l.playlist_id, first_position, l.song_id
