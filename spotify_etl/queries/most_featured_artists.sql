-- Artists credited on the most distinct songs in the latest snapshot day.
SELECT
    a.artist_id,
    max(a.artist_name) AS artist_name,
    count(DISTINCT s.song_id) AS songs
FROM songs AS s
CROSS JOIN UNNEST(s.artist_ids) AS t (artist_id)
JOIN artists AS a
    ON a.artist_id = t.artist_id AND a.snapshot_date = s.snapshot_date
WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM songs)
GROUP BY a.artist_id
ORDER BY songs DESC, artist_name
LIMIT 20
