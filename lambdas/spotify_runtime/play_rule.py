"""What counts as a play: the one rule the named queries, the report and the functions share.

A row of listening counts as a play when it was played for at least `min_seconds` (Spotify's
own rule, and Wrapped's, is 30 s; 0 counts every row). A play only the Web API saw has no
`ms_played` (recently-played does not say how long), so it counts under every rule; its
minutes are its track's length. Minutes always add up everything played, plays or not.

SQL gets the rule as the condition `IS_PLAY_SQL`: a named query writes the macro
`{{is_play}}` where it needs it (in a WHERE clause, since Athena takes execution parameters
only there) and declares `min_ms_played` on its `-- parameters:` line; infra/named_queries.py
puts the condition in place, so no query spells the rule itself.
"""

from __future__ import annotations

from dataclasses import dataclass

IS_PLAY_MACRO = "{{is_play}}"
"""What a named query writes where the rule's condition goes."""
MIN_MS_PLAYED_PARAMETER = "min_ms_played"
"""The execution parameter the condition takes: the rule's threshold in milliseconds."""
IS_PLAY_SQL = "(ms_played IS NULL OR ms_played >= CAST(? AS BIGINT))"
"""The rule over a row of `listening`; its one `?` is MIN_MS_PLAYED_PARAMETER."""
MAX_MIN_SECONDS = 3600
"""The longest threshold accepted: an hour (beyond it nearly every track would count 0)."""


@dataclass(frozen=True)
class PlayRule:
    """A row is a play when it was played `min_seconds` or more (or its length is unknown)."""

    min_seconds: int

    def __post_init__(self) -> None:
        if isinstance(self.min_seconds, bool) or not isinstance(self.min_seconds, int) or not (
                0 <= self.min_seconds <= MAX_MIN_SECONDS):
            raise ValueError(f"min_seconds: expected a whole number of seconds from 0 to "
                             f"{MAX_MIN_SECONDS}, got {self.min_seconds!r}")

    @property
    def min_ms_played(self) -> int:
        """The threshold as the queries take it (milliseconds)."""
        return self.min_seconds * 1000

    def counts(self, ms_played: int | None) -> bool:
        """Whether a row played for `ms_played` ms (None: the API's, length unknown) is a play;
        the Python twin of IS_PLAY_SQL."""
        return ms_played is None or ms_played >= self.min_ms_played

    def in_words(self) -> str:
        """The rule as the report's header states it."""
        if self.min_seconds == 0:
            played = "every row of listening history counts as a play, however short"
        else:
            played = (f"a play is a track or episode played for {self.min_seconds} seconds or "
                      "more")
        return (f"{played}; a play only the Spotify API recorded counts whatever its length "
                "(the API does not say how long it played) and adds its track's length to the "
                "minutes; minutes add up everything played")
