"""The two kinds of Spotify's personal-data export, as `streams.export_kind` names them."""

from __future__ import annotations

EXTENDED = "extended"
"""Extended streaming history: `ts` to the second, URIs, reasons and flags."""
BASIC = "basic"
"""Account data (`StreamingHistory*`): `endTime` to the minute, names, `msPlayed`, no IDs."""
