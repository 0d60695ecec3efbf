"""Ending a process that imported pyarrow without letting Arrow abort it.

pyarrow's native thread pools are torn down while the interpreter finalizes; on a busy machine
that prints `terminate called without an active exception` and kills the process with SIGABRT
after it finished its work (apache/arrow issues 34314 and 38352; measured here: 2 in 90 transform
commands, 9 in 60 runs of a four-line Parquet round trip). Lambda never exits between
invocations, but every command, benchmark and test process does. So a process that is done
flushes what it wrote and leaves with `os._exit`, which skips the finalization where the abort
happens; nothing is left to finalize that matters (files are closed by the code that wrote them).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import NoReturn


def exit_now(status: int) -> NoReturn:
    """Flush stdout, stderr and the logging handlers, then end the process with `status`."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # a closed pipe or stream has nothing left to deliver
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)
