-- Plays per month (in the schedule's time zone) by the counting rule, rows only started, API-only plays and hours heard, from the listening view.
-- A play is a row played at least min_ms_played, or an API play (its length is unknown); hours count everything played.
-- parameters: min_ms_played, min_ms_played (the counting rule's threshold in ms, twice: Athena takes `?` only in WHERE clauses)
-- Portable subset of Athena engine v3 (Trino) and DuckDB: date_trunc, conditional aggregates (CASE).
WITH counted AS (
    SELECT *, TRUE AS is_play FROM listening WHERE {{is_play}}
    UNION ALL
    SELECT *, FALSE AS is_play FROM listening WHERE NOT {{is_play}}
)
SELECT
    date_trunc('month', {{local_time(ended_at)}}) AS month,
    sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
    sum(CASE WHEN NOT is_play THEN 1 ELSE 0 END) AS started_only,
    sum(CASE WHEN ms_played IS NULL THEN 1 ELSE 0 END) AS api_only,
    round(sum(coalesce(ms_heard, 0)) / 3600000.0, 1) AS hours_heard
FROM counted
GROUP BY date_trunc('month', {{local_time(ended_at)}})
ORDER BY month DESC
