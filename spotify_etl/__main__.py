"""`python -m spotify_etl ...`: the local CLI."""

import sys

from spotify_etl.clean_exit import exit_now
from spotify_etl.cli import main

if "transform" in sys.argv[1:2] or sys.argv[1:3] == ["-v", "transform"]:
    # A process that runs only the transform, as its Lambda container does: keep pyarrow from
    # importing pandas it does not use (spotify_runtime.no_pandas).
    from spotify_runtime.no_pandas import keep_pandas_out

    keep_pandas_out()
elif "import" in sys.argv[1:2] or sys.argv[1:3] == ["-v", "import"]:
    # The same for the history import (spotify_runtime.no_pandas: its Lambda container's
    # guard), which uses pyarrow only.
    from spotify_runtime.no_pandas import keep_pandas_out

    keep_pandas_out()

exit_now(main())
