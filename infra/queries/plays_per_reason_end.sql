-- Plays per reason_end (trackdone: played to the end, fwdbtn: skipped forward, ...) and how many were under 30 s, from the listening view.
-- docs/history-import.md lists the reasons.
-- Lets each user choose a definition of a play: Koito counts only trackdone, ListenBrainz drops short skips.
-- Portable subset of Athena engine v3 (Trino) and DuckDB: coalesce, conditional aggregates (CASE).
SELECT
    coalesce(reason_end, '(none: API only or not recorded)') AS reason_end,
    count(*) AS plays,
    sum(CASE WHEN ms_played < 30000 THEN 1 ELSE 0 END) AS under_30s,
    sum(CASE WHEN skipped THEN 1 ELSE 0 END) AS marked_skipped
FROM listening
GROUP BY coalesce(reason_end, '(none: API only or not recorded)')
ORDER BY plays DESC
