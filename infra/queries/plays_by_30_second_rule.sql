-- Plays per month (UTC) by Spotify's 30-second rule: played (30 s or more) or only started, from the listening view.
-- Plays only the API saw have no ms_played (Spotify's recently-played does not say): they are counted apart as api_only.
-- Portable subset of Athena engine v3 (Trino) and DuckDB: date_trunc, conditional aggregates (CASE).
SELECT
    date_trunc('month', ended_at) AS month,
    sum(CASE WHEN ms_played >= 30000 THEN 1 ELSE 0 END) AS plays_30s_or_more,
    sum(CASE WHEN ms_played < 30000 THEN 1 ELSE 0 END) AS started_under_30s,
    sum(CASE WHEN ms_played IS NULL THEN 1 ELSE 0 END) AS api_only,
    round(sum(coalesce(ms_played, 0)) / 3600000.0, 1) AS hours_heard
FROM listening
GROUP BY date_trunc('month', ended_at)
ORDER BY month DESC
