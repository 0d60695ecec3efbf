-- Rows per reason_end (trackdone: played to the end, fwdbtn: skipped forward, ...), the plays among them by the counting rule, and those marked skipped, from the listening view.
-- marked_skipped is null where Spotify recorded no skipped value for the reason (not 0).
-- docs/history-import.md lists the reasons.
-- Lets each user choose a definition of a play: Koito counts only trackdone, ListenBrainz drops short skips.
-- parameters: min_ms_played, min_ms_played (the counting rule's threshold in ms, twice: Athena takes `?` only in WHERE clauses)
-- Portable subset of Athena engine v3 (Trino) and DuckDB: coalesce, conditional aggregates (CASE).
WITH counted AS (
    SELECT *, TRUE AS is_play FROM listening WHERE {{is_play}}
    UNION ALL
    SELECT *, FALSE AS is_play FROM listening WHERE NOT {{is_play}}
)
SELECT
    coalesce(reason_end, '(none: API only or not recorded)') AS reason_end,
    count(*) AS rows_ended,
    sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
    sum(CASE WHEN NOT is_play THEN 1 ELSE 0 END) AS under_the_rule,
    CASE WHEN count(skipped) > 0 THEN sum(CASE WHEN skipped THEN 1 ELSE 0 END) END AS marked_skipped
FROM counted
GROUP BY coalesce(reason_end, '(none: API only or not recorded)')
ORDER BY rows_ended DESC
