"""The command line's error: what every command raises for a mistake a user can fix.

Apart from cli.py so that the commands, which cli.py loads, never import cli.py back.
"""

from __future__ import annotations


class CliError(Exception):
    """A failure to report as one line on stderr; `exit_code` is the process status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
