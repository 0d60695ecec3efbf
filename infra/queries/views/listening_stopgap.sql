-- STOPGAP (delete when the `listening` view of the export import lands): every API play as a `listening` row, export columns null.
-- The report's queries read `listening` as issue 20 defines it; until that view exists this one stands in, over
-- today's plays + songs + albums + artists. ended_at is Spotify's played_at (the API does not say when a play ended);
-- ms_played is the track's full length (the API does not say how much was heard).
CREATE VIEW listening AS
WITH tracks AS (
    SELECT song_id, max(song_name) AS song_name, max(duration_ms) AS duration_ms,
           max(album_id) AS album_id, max(artist_id) AS artist_id
    FROM songs
    GROUP BY song_id
),
album_names AS (
    SELECT album_id, max(name) AS album_name FROM albums GROUP BY album_id
),
artist_names AS (
    SELECT artist_id, max(artist_name) AS artist_name FROM artists GROUP BY artist_id
)
SELECT
    p.played_at AS ended_at,
    t.duration_ms AS ms_played,
    'track' AS content_type,
    p.song_id,
    CAST(NULL AS VARCHAR) AS episode_id,
    t.song_name AS track_name,
    a.artist_name,
    al.album_name,
    CAST(NULL AS VARCHAR) AS episode_name,
    CAST(NULL AS VARCHAR) AS show_name,
    CAST(NULL AS VARCHAR) AS reason_start,
    CAST(NULL AS VARCHAR) AS reason_end,
    CAST(NULL AS BOOLEAN) AS skipped,
    CAST(NULL AS BOOLEAN) AS shuffle,
    CAST(NULL AS VARCHAR) AS platform,
    CAST(NULL AS VARCHAR) AS conn_country,
    'api' AS origin
FROM plays AS p
LEFT JOIN tracks AS t ON t.song_id = p.song_id
LEFT JOIN album_names AS al ON al.album_id = t.album_id
LEFT JOIN artist_names AS a ON a.artist_id = t.artist_id
