"""Errors as the one line a user sees."""

from __future__ import annotations


def one_line(error: BaseException) -> str:
    """An exception as one line: its message's first line, or its type if it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
