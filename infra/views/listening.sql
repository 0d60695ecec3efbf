-- Every play once, whether the personal-data export, the API (plays) or both recorded it (docs/history-import.md)
-- Literals are cast to VARCHAR: Athena checks a view's declared column types (varchar) against
-- what its SQL yields, and a bare literal is a varchar(n).
WITH api_plays AS (
    SELECT DISTINCT played_at, song_id FROM plays
),
candidates AS (
    -- An API play matches an export play of the same track when played_at lies within 15 s of
    -- the export play's end (ended_at) or of its start (ended_at - ms_played), or between them.
    SELECT a.played_at, a.song_id, s.play_id,
           ROW_NUMBER() OVER (
               PARTITION BY a.played_at, a.song_id
               ORDER BY least(abs(date_diff('millisecond', s.ended_at, a.played_at)),
                              abs(date_diff('millisecond', s.ended_at, a.played_at) + s.ms_played)),
                        abs(date_diff('millisecond', s.ended_at, a.played_at)),
                        s.play_id) AS nearest_for_api
    FROM api_plays a
    JOIN streams s
      ON s.song_id = a.song_id
     AND date_diff('millisecond', s.ended_at, a.played_at)
         BETWEEN -(s.ms_played + 15000) AND 15000
),
matched AS (
    SELECT played_at, song_id, play_id FROM (
        SELECT played_at, song_id, play_id,
               ROW_NUMBER() OVER (PARTITION BY play_id ORDER BY played_at) AS nearest_for_export
        FROM candidates
        WHERE nearest_for_api = 1
    ) ranked
    WHERE nearest_for_export = 1
),
song_names AS (
    SELECT song_id, max(song_name) AS track_name, max(album_id) AS album_id,
           max(artist_id) AS artist_id, max(duration_ms) AS duration_ms
    FROM songs GROUP BY song_id
),
album_names AS (SELECT album_id, max(name) AS album_name FROM albums GROUP BY album_id),
artist_names AS (
    SELECT artist_id, max(artist_name) AS artist_name FROM artists GROUP BY artist_id
),
-- A track is counted by artist and title; an ID merges the names it was seen with, never
-- splits one: an ID's key is the first of its names, and a name seen with an ID takes that
-- ID's key (so a name-only Account-data row joins the ID's other names, one step deep).
track_names AS (
    SELECT DISTINCT song_id, artist_name || ' - ' || track_name AS name
    FROM streams
    WHERE song_id IS NOT NULL AND artist_name IS NOT NULL AND track_name IS NOT NULL
    UNION
    SELECT n.song_id, ar.artist_name || ' - ' || n.track_name AS name
    FROM song_names n
    JOIN artist_names ar ON ar.artist_id = n.artist_id
    WHERE ar.artist_name IS NOT NULL AND n.track_name IS NOT NULL
),
id_keys AS (SELECT song_id, min(name) AS track_key FROM track_names GROUP BY song_id),
name_keys AS (
    SELECT t.name, min(i.track_key) AS track_key
    FROM track_names t JOIN id_keys i ON i.song_id = t.song_id
    GROUP BY t.name
),
-- An album likewise, by artist and album title: an album ID (of a track the API saw) merges
-- the names its tracks were seen with, and a name seen with an ID takes that ID's key.
album_seen AS (
    SELECT DISTINCT n.album_id, s.artist_name || ' - ' || s.album_name AS name
    FROM streams s JOIN song_names n ON n.song_id = s.song_id
    WHERE n.album_id IS NOT NULL AND s.artist_name IS NOT NULL AND s.album_name IS NOT NULL
    UNION
    SELECT n.album_id, ar.artist_name || ' - ' || al.album_name AS name
    FROM song_names n
    JOIN album_names al ON al.album_id = n.album_id
    JOIN artist_names ar ON ar.artist_id = n.artist_id
    WHERE ar.artist_name IS NOT NULL AND al.album_name IS NOT NULL
),
album_id_keys AS (SELECT album_id, min(name) AS album_key FROM album_seen GROUP BY album_id),
album_name_keys AS (
    SELECT a.name, min(i.album_key) AS album_key
    FROM album_seen a JOIN album_id_keys i ON i.album_id = a.album_id
    GROUP BY a.name
)
SELECT s.ended_at, s.ms_played, s.content_type, s.song_id, s.episode_id, s.track_name,
       s.artist_name, s.album_name, s.episode_name, s.show_name, s.reason_start, s.reason_end,
       s.skipped, s.shuffle, s.platform, s.conn_country,
       CAST(CASE WHEN m.play_id IS NULL THEN 'export' ELSE 'both' END AS VARCHAR) AS origin,
       s.ms_played AS ms_heard,
       CASE WHEN s.content_type = 'track'
            THEN coalesce(i.track_key, k.track_key, s.artist_name || ' - ' || s.track_name,
                          s.song_id) END AS track_key,
       CASE WHEN s.content_type = 'track'
            THEN coalesce(ai.album_key, ak.album_key, s.artist_name || ' - ' || s.album_name)
            END AS album_key
FROM streams s
LEFT JOIN matched m ON m.play_id = s.play_id
LEFT JOIN id_keys i ON i.song_id = s.song_id
LEFT JOIN name_keys k ON k.name = s.artist_name || ' - ' || s.track_name
LEFT JOIN song_names sn ON sn.song_id = s.song_id
LEFT JOIN album_id_keys ai ON ai.album_id = sn.album_id
LEFT JOIN album_name_keys ak ON ak.name = s.artist_name || ' - ' || s.album_name
UNION ALL
SELECT a.played_at AS ended_at, CAST(NULL AS BIGINT) AS ms_played,
       CAST('track' AS VARCHAR) AS content_type,
       a.song_id, CAST(NULL AS VARCHAR) AS episode_id, n.track_name, ar.artist_name,
       al.album_name, CAST(NULL AS VARCHAR) AS episode_name, CAST(NULL AS VARCHAR) AS show_name,
       CAST(NULL AS VARCHAR) AS reason_start, CAST(NULL AS VARCHAR) AS reason_end,
       CAST(NULL AS BOOLEAN) AS skipped, CAST(NULL AS BOOLEAN) AS shuffle,
       CAST(NULL AS VARCHAR) AS platform, CAST(NULL AS VARCHAR) AS conn_country,
       CAST('api' AS VARCHAR) AS origin,
       -- The API does not say how long a play lasted: its minutes are the track's length.
       n.duration_ms AS ms_heard,
       coalesce(i.track_key, ar.artist_name || ' - ' || n.track_name, a.song_id) AS track_key,
       coalesce(ai.album_key, ar.artist_name || ' - ' || al.album_name, n.album_id) AS album_key
FROM api_plays a
LEFT JOIN matched m ON m.played_at = a.played_at AND m.song_id = a.song_id
LEFT JOIN song_names n ON n.song_id = a.song_id
LEFT JOIN album_names al ON al.album_id = n.album_id
LEFT JOIN artist_names ar ON ar.artist_id = n.artist_id
LEFT JOIN id_keys i ON i.song_id = a.song_id
LEFT JOIN album_id_keys ai ON ai.album_id = n.album_id
WHERE m.play_id IS NULL
