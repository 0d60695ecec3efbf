"""Every package each place installs is pinned with hashes, and the three locks agree."""

from __future__ import annotations

from importlib.metadata import distributions

import pytest

from tests.deps.locks import (
    CDK_LOCK,
    DEV_LOCK,
    LAMBDA_LOCK,
    LOCKS,
    REPORT_LOCK,
    TRANSFORM_LOCK,
    normalized,
    pins,
    requirement_blocks,
)


@pytest.mark.parametrize("lock", LOCKS, ids=lambda lock: f"{lock.parent.name}/{lock.name}")
def test_every_requirement_is_pinned_with_a_hash(lock):
    blocks = requirement_blocks(lock)
    assert blocks, f"{lock} pins nothing"
    unhashed = [block.splitlines()[0] for block in blocks if "--hash=sha256:" not in block]
    assert not unhashed, f"{lock} has requirements without a hash: {unhashed}"
    named = {
        normalized(line.split("==")[0].split("[")[0])
        for line in lock.read_text(encoding="utf-8").splitlines()
        if line and line[0].isalnum()
    }
    assert named == set(pins(lock)), "every requirement line is an exact == pin"


def test_the_cdk_and_lambda_locks_pin_what_the_development_lock_pins():
    dev = pins(DEV_LOCK)
    for lock in (CDK_LOCK, LAMBDA_LOCK, TRANSFORM_LOCK, REPORT_LOCK):
        for name, versions in pins(lock).items():
            assert name in dev, f"{lock.name}: {name} is not in the development lock"
            assert versions <= dev[name], f"{lock.name}: {name} {versions} against {dev[name]}"


def test_the_virtualenv_holds_nothing_the_development_lock_does_not_pin():
    locked = pins(DEV_LOCK)
    loose = []
    for dist in distributions():
        name = normalized(dist.metadata["Name"])
        if name in {"spotify-etl", "pip"}:  # the project itself; pip is pinned by the Makefile
            continue
        if dist.version not in locked.get(name, set()):
            loose.append(f"{name}=={dist.version}")
    assert not loose, f"installed but not locked: {sorted(loose)}"
