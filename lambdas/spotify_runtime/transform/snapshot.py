"""Which `snapshot_date` partition a raw file's tables go to."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from spotify_runtime.transform.reader import RawDocument

# 2023-01-31, 2023_01_31 or 20230131 (also inside 20230131T181000Z), not within a longer number.
_DATE_IN_KEY = re.compile(r"(?<!\d)(\d{4})[-_]?(\d{2})[-_]?(\d{2})(?!\d)")


def date_in_key(key: str) -> date | None:
    """The first valid calendar date written in a key (the files of the tutorial this project
    started from, docs/migrating.md, are named by date)."""
    for match in _DATE_IN_KEY.finditer(key):
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            continue
    return None


LISTENING_KEY_PREFIX = "after-"
"""File names of cursor-paged listening extractions (layout.listening_raw_key)."""


def snapshot_date(doc: RawDocument, key: str, last_modified: datetime | None) -> date:
    """The envelope's `extracted_at` (UTC day); for a paging object a date in the key, else the
    object's LastModified (UTC day), else today.

    A cursor-paged listening file takes the day in its name (the cursor it started from): a
    repeated extraction from the same cursor overwrites the same partition's files, even when
    it runs on another day than the first.
    """
    name = key.rsplit("/", 1)[-1]
    if doc.source_type == "recently-played" and name.startswith(LISTENING_KEY_PREFIX):
        found = date_in_key(name)
        if found is not None:
            return found
    if doc.extracted_at is not None:
        return doc.extracted_at.date()
    found = date_in_key(key)
    if found is not None:
        return found
    moment = last_modified or datetime.now(UTC)
    return moment.astimezone(UTC).date()
