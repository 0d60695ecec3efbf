"""The local pins are what the transform's layer ships, and the transform uses only its codecs."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from spotify_runtime.transform import parquet

from infra.config import EnvironmentSettings
from infra.layer_versions import LAYERS

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        name, sep, pinned = line.partition("==")
        if sep and not line.startswith("#"):
            pins[name.strip().lower()] = pinned.strip()
    return pins


def test_the_default_layer_version_is_described():
    assert EnvironmentSettings("x").pandas_layer_version in LAYERS


def test_pins_and_installed_versions_match_the_default_layer():
    layer = LAYERS[EnvironmentSettings("x").pandas_layer_version]
    pins = _pins()
    for package in ("pyarrow", "pandas", "numpy"):
        expected = getattr(layer, package)
        assert pins[package] == expected, f"requirements-dev.txt pins {package}=={pins[package]}"
        assert version(package) == expected, f"installed {package} {version(package)}"


def test_the_transform_writes_a_codec_the_layer_has():
    layer = LAYERS[EnvironmentSettings("x").pandas_layer_version]
    assert parquet.COMPRESSION in layer.parquet_codecs
