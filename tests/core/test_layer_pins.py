"""The local pins are what the transform's layer ships, and the transform uses only its codecs."""

from __future__ import annotations

from importlib.metadata import version

from spotify_runtime import partition_files

from infra.config import EnvironmentSettings
from infra.layer_versions import LAYERS
from tests.deps.locks import DEV_LOCK, pins


def test_the_default_layer_version_is_described():
    assert EnvironmentSettings("x").pandas_layer_version in LAYERS


def test_pins_and_installed_versions_match_the_default_layer():
    layer = LAYERS[EnvironmentSettings("x").pandas_layer_version]
    locked = pins(DEV_LOCK)
    for package in ("pyarrow", "pandas", "numpy"):
        expected = getattr(layer, package)
        assert locked[package] == {expected}, f"{DEV_LOCK.name} pins {package} {locked[package]}"
        assert version(package) == expected, f"installed {package} {version(package)}"


def test_the_transform_writes_a_codec_the_layer_has():
    layer = LAYERS[EnvironmentSettings("x").pandas_layer_version]
    assert partition_files.PARQUET_CODEC in layer.parquet_codecs
