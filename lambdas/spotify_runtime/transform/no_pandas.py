"""Keep pandas out of a transform process.

The transform uses pyarrow only, but pyarrow 22 imports pandas, when it is installed (as in the
AWS SDK for pandas layer), the first time it converts any Python value to Arrow (a literal in a
compute call is enough): about 0.25-0.5 s of every cold start, for nothing. With pandas made
unimportable, pyarrow takes its pandas-free paths; the Parquet it writes is byte-identical
(tests/transform/test_no_pandas.py).

Only for processes that run nothing but the transform: pyarrow remembers the answer for the
process, so a later `to_pandas()` in the same process would fail.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder


class _NoPandas(MetaPathFinder):
    """Answers every import of pandas with ModuleNotFoundError."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (kept out of the transform)", name=fullname
            )
        return None


def keep_pandas_out() -> bool:
    """Make pandas unimportable in this process, unless it is imported already; True if so."""
    if "pandas" in sys.modules:
        return False
    if not any(isinstance(finder, _NoPandas) for finder in sys.meta_path):
        sys.meta_path.insert(0, _NoPandas())
    return True
