-- Report: month by month (months of the report's time zone): plays (the counting rule), minutes (everything played) and the month's top artist by minutes.
-- parameters: start_day, end_day, min_ms_played, start_day, end_day, min_ms_played (inclusive days of the report's time zone, 'YYYY-MM-DD'; the counting rule's threshold, twice: Athena takes `?` only in WHERE clauses)
WITH in_period AS (
    {{rows_of_period}}
),
months AS (
    SELECT CAST(date_trunc('month', {{local_day(ended_at)}}) AS DATE) AS month_start,
           sum(CASE WHEN is_play THEN 1 ELSE 0 END) AS plays,
           round(CAST(sum(ms_heard) AS DOUBLE) / 60000, 1) AS minutes
    FROM in_period
    GROUP BY CAST(date_trunc('month', {{local_day(ended_at)}}) AS DATE)
),
artists AS (
    SELECT CAST(date_trunc('month', {{local_day(ended_at)}}) AS DATE) AS month_start,
           artist_name,
           sum(ms_heard) AS ms,
           row_number() OVER (PARTITION BY CAST(date_trunc('month', {{local_day(ended_at)}}) AS DATE)
                              ORDER BY sum(ms_heard) DESC, artist_name) AS rank
    FROM in_period
    WHERE content_type = 'track' AND artist_name IS NOT NULL
    GROUP BY CAST(date_trunc('month', {{local_day(ended_at)}}) AS DATE), artist_name
)
SELECT m.month_start, m.plays, m.minutes, a.artist_name AS top_artist,
       round(CAST(a.ms AS DOUBLE) / 60000, 1) AS top_artist_minutes
FROM months AS m
LEFT JOIN artists AS a ON a.month_start = m.month_start AND a.rank = 1
ORDER BY m.month_start
