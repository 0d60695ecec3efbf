"""The error raised for raw input the transform cannot accept (never retried: quarantined)."""

from __future__ import annotations


class InvalidRawFileError(ValueError):
    """A raw file that is not JSON or not one of the accepted shapes.

    `where` is a path into the document (e.g. `items[17].track.album`), `what` says what is
    wrong there; str() is `where: what`.
    """

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what
