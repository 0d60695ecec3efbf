"""`python -m spotify_etl extract`: the extract function's code, run locally into a directory.

Credentials come from SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET (and SPOTIFY_REFRESH_TOKEN);
each envelope is written under --out with the same relative key as in S3. recently-played keeps
its cursor under --out (state/, as in the bucket): run it again and it fetches only the plays
after the last one it landed. my-playlists extracts every playlist the user owns or collaborates
on.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime

from spotify_runtime.contract import WORKER_TIMEOUT_SECONDS
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import (
    InvalidCredentialsError,
    QuotaExceededError,
    RefreshTokenExpiredError,
)
from spotify_runtime.extract.landing import SourceOutcome, land_source
from spotify_runtime.extract.raw_sink import RawSink
from spotify_runtime.extract.spotify_client import (
    DEFAULT_ACCOUNTS_URL,
    DEFAULT_API_URL,
    SpotifyClient,
)
from spotify_runtime.extract.state import CursorStore
from spotify_runtime.sources import InvalidSourceError, Source, parse_source

from spotify_etl.errors import CliError
from spotify_local.folder_store import FolderStore
from spotify_local.spotify.endpoint import ENV_REFRESH_TOKEN, credentials_from_env


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `extract` subcommand."""
    parser = sub.add_parser(
        "extract", help="extract Spotify sources into raw envelopes under a directory",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--source", action="append", required=True, metavar="TYPE:ID",
                        help="playlist:ID, album:ID, artist:ID (or URI/URL), saved-tracks, "
                        "recently-played, top-tracks, top-artists, saved-albums, "
                        "followed-artists, my-playlists; repeatable")
    parser.add_argument("--out", required=True, help="output directory (keys as in S3)")
    parser.add_argument("--api-url", default=DEFAULT_API_URL, help="Web API base URL")
    parser.add_argument("--accounts-url", default=DEFAULT_ACCOUNTS_URL,
                        help="accounts service base URL (token endpoint at /api/token)")
    parser.add_argument("--deadline", type=float, metavar="SECONDS",
                        default=float(WORKER_TIMEOUT_SECONDS),
                        help="never wait past this many seconds (a long Retry-After fails the "
                        "source instead; default %(default).0f, the deployed worker's timeout)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Extract every source; one line per source on stdout, one per failure on stderr."""
    runtime_logger = logging.getLogger("spotify_runtime")
    previous_level = runtime_logger.level
    if not getattr(args, "verbose", False):
        # Failures are reported below, one line each; the runtime's log lines would repeat them.
        runtime_logger.setLevel(logging.CRITICAL)
    try:
        return _extract(args)
    finally:
        # Callers in the same process (tests, run-local) keep their own log level.
        runtime_logger.setLevel(previous_level)


def _extract(args: argparse.Namespace) -> int:
    try:
        sources = [parse_source(text) for text in args.source]
    except InvalidSourceError as error:
        raise CliError(f"--source {error}", exit_code=2) from None
    if args.deadline is not None and args.deadline <= 0:
        raise CliError("--deadline must be a positive number of seconds", exit_code=2)
    try:
        credentials = credentials_from_env()
    except InvalidCredentialsError as error:
        raise CliError(str(error)) from None
    client = SpotifyClient(credentials, api_url=args.api_url, accounts_url=args.accounts_url)
    deadline = Deadline.after(args.deadline)
    run_at = datetime.now(UTC).replace(microsecond=0)
    outcomes = land_sources(client, sources, FolderStore(args.out), run_at=run_at,
                            deadline=deadline, cursors=FolderStore(args.out))
    expired: list[str] = []
    for outcome in outcomes:
        if outcome.ok:
            print(outcome.describe())
            if outcome.warning:
                print(f"warning: {outcome.warning}", file=sys.stderr)
        elif isinstance(outcome.error, RefreshTokenExpiredError):
            expired.append(str(outcome.source))  # one line for all of them, below
        elif isinstance(outcome.error, QuotaExceededError):
            print(f"error: {outcome.error}", file=sys.stderr)
        else:
            print(f"error: {outcome.describe()}", file=sys.stderr)
    if expired:
        print(f"error: {', '.join(expired)}: {client.refresh_token_error}", file=sys.stderr)
    if client.rotated_refresh_token:
        # Spotify may stop accepting the old token: the new one must replace it.
        print(f"note: Spotify issued a new refresh token; the one in {ENV_REFRESH_TOKEN} may no "
              f"longer work: export {ENV_REFRESH_TOKEN}='{client.rotated_refresh_token}'",
              file=sys.stderr)
    # A quota stop leaves sources unattempted; its own outcome is the failure that says so.
    return 0 if all(outcome.ok for outcome in outcomes) else 1


def land_sources(
    client: SpotifyClient,
    sources: Iterable[Source],
    sink: RawSink,
    *,
    run_at: datetime,
    deadline: Deadline,
    cursors: CursorStore | None = None,
) -> list[SourceOutcome]:
    """`land_source` for each source in turn; every source is attempted, and the playlists
    `my-playlists` expands into are extracted after it (each once), unless Spotify says the
    quota is spent: then the run stops (each further request would prolong it)."""
    outcomes: list[SourceOutcome] = []
    pending = list(sources)
    seen: set[Source] = set()
    while pending:
        source = pending.pop(0)
        if source in seen:
            continue
        seen.add(source)
        outcome = land_source(client, source, sink, run_at=run_at, deadline=deadline,
                              cursors=cursors)
        outcomes.append(outcome)
        if isinstance(outcome.error, QuotaExceededError):
            break
        pending.extend(outcome.expanded)
    return outcomes
