-- Playlist tracks present in the latest snapshot of each playlist but not in its previous one.
WITH snapshots AS (
    SELECT DISTINCT playlist_id, snapshot_date FROM playlist_tracks
),
ranked AS (
    SELECT
        playlist_id,
        snapshot_date,
        row_number() OVER (PARTITION BY playlist_id ORDER BY snapshot_date DESC) AS recency
    FROM snapshots
)
SELECT latest.playlist_id, latest.song_id, latest.position, latest.added_at
FROM playlist_tracks AS latest
JOIN ranked AS l
    ON l.playlist_id = latest.playlist_id AND l.snapshot_date = latest.snapshot_date AND l.recency = 1
LEFT JOIN ranked AS p
    ON p.playlist_id = latest.playlist_id AND p.recency = 2
WHERE NOT EXISTS (
    SELECT 1 FROM playlist_tracks AS prev
    WHERE prev.playlist_id = latest.playlist_id
      AND prev.snapshot_date = p.snapshot_date
      AND prev.song_id = latest.song_id
)
ORDER BY latest.playlist_id, latest.position
