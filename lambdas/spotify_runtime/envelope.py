"""The raw envelope: one JSON object per source per run, written by extract, read by transform.

This module is the one place the envelope is defined; its fields and the `metadata` and `items`
of each source type are in docs/extraction.md ("The raw envelope"). Credentials never appear in
an envelope.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION = 1


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z` suffix and whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_envelope(
    *,
    source_type: str,
    source_id: str | None,
    source_name: str | None,
    metadata: dict[str, Any] | None,
    items: list[Any],
    extracted_at: datetime,
    run_at: datetime,
) -> dict[str, Any]:
    """Assemble an envelope in the documented shape."""
    return {
        "schema_version": SCHEMA_VERSION,
        "extracted_at": iso_utc(extracted_at),
        "run_at": iso_utc(run_at),
        "source": {"type": source_type, "id": source_id, "name": source_name},
        "metadata": metadata,
        "items": items,
    }
