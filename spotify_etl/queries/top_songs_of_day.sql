-- Top 20 songs of the latest snapshot day by popularity (songs featured in several sources count once).
SELECT
    s.song_id,
    max(s.song_name) AS song_name,
    max(a.artist_name) AS artist_name,
    max(s.popularity) AS popularity,
    count(*) AS appearances
FROM songs AS s
LEFT JOIN artists AS a
    ON a.artist_id = s.artist_id AND a.snapshot_date = s.snapshot_date
WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM songs)
GROUP BY s.song_id
ORDER BY popularity DESC NULLS LAST, appearances DESC, song_name
LIMIT 20
