"""The local command line: each subcommand lives in spotify_etl/commands/<name>.py.

Errors a user can fix are raised as CliError and printed as one line on stderr with a non-zero
exit; nothing a user can cause ends in a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import typing

from spotify_runtime.logs import quiet_sdk_loggers

from spotify_etl.error_line import one_line
from spotify_etl.errors import CliError

COMMANDS = ("extract", "transform", "auth", "run_local", "query", "import_history",
            "report", "migrate_storage", "doctor")
COMMAND_MODULES = {"import": "import_history"}
"""Commands whose name is not a module name (`import` is a Python keyword)."""
LOCAL_QUIET_LOGGERS = ("moto", "werkzeug", "filelock", "asyncio")
"""The local AWS endpoint's loggers (run-local; at DEBUG they echo request bodies, a
PutSecretValue's secret included) and other libraries' noise."""


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (argparse prints the whole usage first)."""

    def error(self, message: str) -> typing.NoReturn:
        """Print `error: <command>: <message> (see --help)` on stderr and exit with status 2."""
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def _requested_command(argv: list[str]) -> str | None:
    """The module of the subcommand `argv` names, if it names one."""
    for token in argv:
        if not token.startswith("-"):
            module = COMMAND_MODULES.get(token, token.replace("-", "_"))
            return module if module in COMMANDS else None
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser: only the subcommand `argv` names, else every subcommand.

    Each subcommand imports its own stack (pyarrow, spotipy, moto, DuckDB); importing all of
    them costs about half a second on every call, a quarter of a 100,000-item transform.
    """
    parser = _Parser(prog="python -m spotify_etl", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log our own DEBUG lines (the AWS SDK and HTTP libraries stay at "
                        "WARNING: they would log secrets)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = _requested_command(argv) if argv is not None else None
    for name in COMMANDS:
        if wanted in (None, name):
            importlib.import_module(f"spotify_etl.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # -v means our own DEBUG lines, never the SDKs' (botocore logs response bodies, a
    # GetSecretValue's SecretString included; urllib3 and spotipy log request details), and
    # thousands of SDK lines would bury ours.
    quiet_sdk_loggers()
    for name in LOCAL_QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `... | head` closed the pipe: stop quietly, as other command-line tools do; stdout
        # goes to devnull so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except Exception as error:
        if args.verbose:
            raise
        print(f"error: unexpected {type(error).__name__}: {one_line(error)} "
              "(run with -v for the traceback)", file=sys.stderr)
        return 1
