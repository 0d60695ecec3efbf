"""syrupy snapshots of every stack's template (update with `pytest --snapshot-update`).

Asset hashes are normalised (they change with any edit under lambdas/), and the named queries
are left out: their SQL belongs to the .sql files and is checked in test_catalog_stack.
"""

from __future__ import annotations

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def normalised(template) -> dict:
    text = ASSET_HASH.sub("<asset-hash>", json.dumps(template.to_json(), sort_keys=True))
    document = json.loads(text)
    document["Resources"] = {
        logical_id: resource
        for logical_id, resource in document["Resources"].items()
        if resource["Type"] != "AWS::Athena::NamedQuery"
    }
    return document


@pytest.fixture
def json_snapshot(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("environment", ["dev", "prod"])
@pytest.mark.parametrize("stack", ["Ingest", "Transform", "Catalog", "HistoryImport", "Report"])
def test_template_snapshot(environments, environment, stack, json_snapshot):
    assert normalised(environments[environment].templates[stack]) == json_snapshot


def test_asset_hashes_are_normalised(dev):
    text = json.dumps(normalised(dev.ingest))
    assert "<asset-hash>" in text
    assert not ASSET_HASH.search(text)
