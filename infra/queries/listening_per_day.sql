-- Plays and minutes listened per day (in the schedule's time zone), newest day first, from the plays table.
-- Minutes: each played track's full length (Spotify does not say how much of a play was heard).
-- Portable subset of Athena engine v3 (Trino) and DuckDB: CAST(timestamp AS DATE), AT TIME ZONE with a literal zone (the local_day macro), CTEs.
WITH durations AS (
    SELECT song_id, max(duration_ms) AS duration_ms
    FROM songs
    GROUP BY song_id
)
SELECT
    {{local_day(p.played_at)}} AS day,
    count(*) AS plays,
    count(DISTINCT p.song_id) AS distinct_tracks,
    round(sum(coalesce(d.duration_ms, 0)) / 60000.0, 1) AS minutes
FROM plays AS p
LEFT JOIN durations AS d ON d.song_id = p.song_id
GROUP BY {{local_day(p.played_at)}}
ORDER BY day DESC
