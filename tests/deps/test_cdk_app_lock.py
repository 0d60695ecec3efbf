"""`cdk synth` needs only the CDK app's lock: the app is synthesized in an environment that holds
the distributions of `requirements/cdk.txt` and nothing else of the development virtualenv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import distribution

from tests.deps.locks import CDK_LOCK, ROOT, pins
from tests.infra.conftest import cdk_json_context


def _site_of(names: list[str], site) -> None:
    """Link each distribution's top-level files into `site`, as a virtualenv installing only
    `names` would hold them."""
    site.mkdir()
    for name in names:
        dist = distribution(name)
        tops = {path.parts[0] for path in dist.files or () if path.parts}
        for top in tops:
            source = dist.locate_file(top)
            target = site / top
            if source.exists() and not target.exists():
                target.symlink_to(source)


def _synth_with_only(names: list[str], tmp_path) -> subprocess.CompletedProcess:
    site = tmp_path / "site-packages"
    _site_of(names, site)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CDK_"))},
        # -S: no site-packages of the interpreter or the development virtualenv, only `site`
        # and the repository (app.py's own packages).
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT), str(ROOT / "lambdas")]),
        "CDK_CONTEXT_JSON": json.dumps({**cdk_json_context(), "env": "dev"}),
        "CDK_OUTDIR": str(tmp_path / "cdk.out"),
    }
    return subprocess.run(
        [sys.executable, "-S", "app.py"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )


def test_the_app_synthesizes_with_only_the_cdk_lock(tmp_path):
    result = _synth_with_only(sorted(pins(CDK_LOCK)), tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((tmp_path / "cdk.out" / "manifest.json").read_text())
    assert any("SpotifyEtl-dev" in name for name in manifest["artifacts"])


def test_the_isolated_environment_really_lacks_the_development_packages(tmp_path):
    """The same environment without cdk-nag fails on that import: what the first test proves is
    not borrowed from the development virtualenv."""
    names = [name for name in sorted(pins(CDK_LOCK)) if name != "cdk-nag"]
    result = _synth_with_only(names, tmp_path)
    assert result.returncode != 0
    assert "No module named 'cdk_nag'" in result.stderr
