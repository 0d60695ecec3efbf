"""What the AWS SDK for pandas Lambda layer ships, per layer version: the transform runs on it.

Source: aws/aws-sdk-pandas at tag 3.16.1 (2026-05-08). `building/lambda/build-lambda-layer.sh`
builds pyarrow 22.0.0 from source with Snappy and zlib only (ZSTD, LZ4, Brotli and BZ2 off) and
installs the package with `pip install . --no-binary numpy,pandas`, which resolved the newest
releases allowed by its pyproject.toml on that day: pandas 3.0.2 (3.0.3 came on 2026-05-11) and
numpy 2.4.4 (2.4.5 came on 2026-05-15), per PyPI's upload times.

requirements-dev.txt pins the same versions, so tests and the local run exercise the transform on
what Lambda runs; tests/core/test_layer_pins.py fails when the pins and this table disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayerContents:
    """The packages of one layer version that our code uses, and its Parquet codecs."""

    pyarrow: str
    pandas: str
    numpy: str
    parquet_codecs: frozenset[str]
    """Parquet compression codecs its pyarrow build supports ("gzip" is zlib)."""


LAYERS = {
    "3.16.1": LayerContents(
        pyarrow="22.0.0", pandas="3.0.2", numpy="2.4.4",
        parquet_codecs=frozenset({"snappy", "gzip", "none"}),
    ),
}
