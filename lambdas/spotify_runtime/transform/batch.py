"""One invocation's raw files, written to the Iceberg tables a batch at a time.

Each raw file is read and its rows built (transform/raw_object.py); files whose rows are built
wait in memory until they hold `max_bytes`, then their rows are committed together, one commit
per table (iceberg_writer.write_batch): a commit's cost grows with the commits before it, so a
big day commits a few times a minute, not once per file (docs/storage.md). Only once a group's
rows are committed are its raw files archived and their run-log rows written.

A failure fails only the messages it concerns: a file that cannot be read, archived or recorded
fails its own message; a commit that fails fails the messages of its group, which come back
(another delivery) and are then each committed alone, so one bad file cannot keep failing the
files it happened to share a batch with. Invoked directly (not by SQS), errors raise.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from pyiceberg.catalog import Catalog

from spotify_runtime import contract, metrics
from spotify_runtime.run_log import RunLogWriteError
from spotify_runtime.sqs_batch import PartialBatch
from spotify_runtime.transform.iceberg_writer import write_batch
from spotify_runtime.transform.raw_object import (
    ALREADY_DONE,
    BuiltFile,
    HandledFile,
    RawFileOutcome,
    archive_written,
    handled,
    read_raw_object,
    record_outcomes,
)

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One raw file to handle, and the message that named it."""

    bucket: str
    key: str
    record_id: str
    """Its run-log row's id (the SQS message id and receive count; the key when invoked
    directly)."""
    earlier_ids: tuple[str, ...] = ()
    message_id: str | None = None
    """The SQS message (None: invoked directly, errors raise)."""
    alone: bool = False
    """Commit its rows in a commit of its own (a message delivered again: its last batch
    failed, perhaps because of another file)."""


@dataclass
class BatchWriter:
    """Handles deliveries in order, committing built rows whenever they hold `max_bytes`;
    `finish()` commits the rest. `results` and `batch` (the messages that failed) are the
    handler's answer."""

    s3: Any
    catalog: Catalog
    database: str
    max_bytes: int
    deadline: float | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    batch: PartialBatch = field(default_factory=PartialBatch)
    _waiting: list[tuple[Delivery, BuiltFile]] = field(default_factory=list)
    _waiting_bytes: int = 0
    _twins: dict[str, list[Delivery]] = field(default_factory=dict)
    """Deliveries of a raw file already waiting in the batch (SQS delivers a message twice
    now and then, and both can land in one batch): its rows are written once, and each twin
    is recorded as `already_done` once the file is written."""
    _handled: list[tuple[Delivery, HandledFile]] = field(default_factory=list)
    """Deliveries handled since the last run-log write: their rows go in one write."""

    def add(self, delivery: Delivery) -> None:
        """Read and build one raw file; its rows wait for the next commit."""
        if any(waiting.key == delivery.key for waiting, _ in self._waiting):
            self._twins.setdefault(delivery.key, []).append(delivery)
            return
        began = time.monotonic()
        try:
            read = read_raw_object(self.s3, delivery.bucket, delivery.key)
        except Exception as error:
            self._fail(delivery, "could not be read", error)
            return
        if isinstance(read, RawFileOutcome):  # quarantined, or nothing to do: no rows to write
            self._record(delivery, read, began)
            return
        if delivery.alone:
            self._commit([(delivery, read)])
            return
        self._waiting.append((delivery, read))
        self._waiting_bytes += read.nbytes
        if self._waiting_bytes >= self.max_bytes:
            self.finish()

    def finish(self) -> None:
        """Commit the rows still waiting, and write the run-log rows not yet written."""
        group, self._waiting, self._waiting_bytes = self._waiting, [], 0
        if group:
            self._commit(group)
        self._write_run_log()

    def _commit(self, group: list[tuple[Delivery, BuiltFile]]) -> None:
        try:
            write_batch(self.catalog, self.database, [built.transformed for _, built in group])
        except Exception as error:
            for delivery, _ in group:
                for each in [delivery, *self._twins.pop(delivery.key, [])]:
                    self._fail(each, f"was in a batch of {len(group)} file(s) whose commit "
                               "failed", error)
            return
        for delivery, built in group:
            twins = self._twins.pop(delivery.key, [])
            try:
                outcome = archive_written(self.s3, delivery.bucket, built)
            except Exception as error:
                for each in [delivery, *twins]:
                    self._fail(each, "was written but could not be archived", error)
                continue
            self._record(delivery, outcome, built.began)
            for twin in twins:
                self._record(twin, RawFileOutcome(ALREADY_DONE, twin.key), built.began)
        self._write_run_log()

    def _record(self, delivery: Delivery, outcome: RawFileOutcome, began: float) -> None:
        self._handled.append((delivery, handled(outcome, began, delivery.record_id,
                                                delivery.earlier_ids)))

    def _write_run_log(self) -> None:
        """The run-log rows of the deliveries handled since the last write, one write per
        bucket and run day; if it fails, their messages stay on the queue so that their next
        deliveries record them (as `already_done`, with these as `unrecorded`)."""
        done, self._handled = self._handled, []
        per_bucket: dict[str, list[tuple[Delivery, HandledFile]]] = {}
        for delivery, each in done:
            per_bucket.setdefault(delivery.bucket, []).append((delivery, each))
        for bucket, entries in per_bucket.items():
            try:
                record_outcomes(self.s3, bucket, [each for _, each in entries], self.deadline)
            except RunLogWriteError:
                if any(delivery.message_id is None for delivery, _ in entries):
                    raise
                LOG.warning("%d message(s): their run-log rows could not be written; they stay "
                            "on the queue so that their next deliveries record them",
                            len(entries))
                for delivery, _ in entries:
                    self._mark_failed(delivery)
                continue
            self.results += [{"bucket": delivery.bucket, "key": each.outcome.key,
                              "status": each.outcome.status, **each.outcome.summary}
                             for delivery, each in entries]

    def _fail(self, delivery: Delivery, what: str, error: Exception) -> None:
        if delivery.message_id is None:
            raise error
        LOG.error("raw file %s %s; message %s stays on the queue", delivery.key, what,
                  delivery.message_id, exc_info=error)
        metrics.emit(contract.METRIC_RAW_FILE_FAILURES, 1, bucket=delivery.bucket)
        self._mark_failed(delivery)

    def _mark_failed(self, delivery: Delivery) -> None:
        if delivery.message_id is not None:
            self.batch.fail(delivery.message_id)
