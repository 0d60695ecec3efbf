"""Keep pandas out of a process that runs only code which never uses it.

pyarrow 22 imports pandas, when it is installed (as in the AWS SDK for pandas layer and the
development environment), the first time it converts any Python value to Arrow (a literal in a
compute call is enough). With pandas made unimportable, pyarrow takes its pandas-free paths.
Measured on the history import of the 10-year export: about 35 MiB of the process's peak memory
(docs/benchmarks.md).

Used by the transform (0.25-0.5 s of every cold start) and the history import: only for
processes that run nothing but such code, since pyarrow remembers the answer for the process and
a later `to_pandas()` in it would fail.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder


class _NoPandas(MetaPathFinder):
    """Answers every import of pandas with ModuleNotFoundError."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {fullname!r} (kept out of this process)",
                                      name=fullname)
        return None


def keep_pandas_out() -> bool:
    """Make pandas unimportable in this process, unless it is imported already; True if so."""
    if "pandas" in sys.modules:
        return False
    if not any(isinstance(finder, _NoPandas) for finder in sys.meta_path):
        sys.meta_path.insert(0, _NoPandas())
    return True
