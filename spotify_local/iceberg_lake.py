"""The Iceberg tables of a local lake folder, between runs and while a run uses them.

Glue's part (each table's current metadata file) is kept in `tables/catalog.json`: written from
moto's Glue at the end of a run (`save_pointers`), registered again at the start of the next
(`restore_tables`, then the deploy's `create_or_evolve`). `FolderFileIO` reads the tables'
`s3://<bucket>/tables/...` files from the folder, so `query`, the report and the named queries
read a table's current snapshot without a server (`current_data_files`). docs/local-run.md.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.io import InputFile, OutputFile
from pyiceberg.io.pyarrow import PyArrowFileIO
from pyiceberg.table import StaticTable, Table
from pyiceberg.typedef import EMPTY_DICT, Properties
from spotify_runtime.iceberg_tables import TABLE_PROPERTIES, IcebergTable, evolve
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS

from infra.catalog_tables import iceberg_location
from spotify_local.lake_sync import POINTERS_KEY

LAKE_DIR_PROPERTY = "spotify-etl.lake-dir"
METADATA_LOCATION = "metadata_location"
"""The Glue table parameter naming an Iceberg table's current metadata file."""


def _key(location: str) -> str:
    return urlparse(location).path.lstrip("/")


class FolderFileIO(PyArrowFileIO):
    """PyIceberg file IO reading and writing `s3://<any bucket>/<key>` at `<lake dir>/<key>`."""

    def __init__(self, properties: Properties = EMPTY_DICT) -> None:
        super().__init__(properties)
        self._root = Path(properties[LAKE_DIR_PROPERTY])

    def _local(self, location: str) -> str:
        return str(self._root / _key(location)) if "://" in location else location

    def new_input(self, location: str) -> InputFile:
        """The file at `location`, read from the folder."""
        return super().new_input(self._local(location))

    def new_output(self, location: str) -> OutputFile:
        """The file at `location`, written into the folder."""
        Path(self._local(location)).parent.mkdir(parents=True, exist_ok=True)
        return super().new_output(self._local(location))

    def delete(self, location: str | InputFile | OutputFile) -> None:
        """Delete the file at `location` from the folder."""
        path = location if isinstance(location, str) else location.location
        super().delete(self._local(path))


def read_pointers(lake_dir: Path) -> dict[str, str]:
    """Table name -> its current metadata file's key, as the folder last recorded it."""
    path = lake_dir / POINTERS_KEY
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def glue_pointers(glue: Any, database: str) -> dict[str, str]:
    """Table name -> the key of its current metadata file, as Glue holds it."""
    pointers = {}
    for name in TABLE_DEFINITIONS:
        try:
            table = glue.get_table(DatabaseName=database, Name=name)["Table"]
        except glue.exceptions.EntityNotFoundException:
            continue
        pointers[name] = _key(table["Parameters"][METADATA_LOCATION])
    return pointers


def save_pointers(glue: Any, database: str, lake_dir: Path,
                  only: set[str] | None = None) -> dict[str, str]:
    """Record each table's current metadata file (from Glue) in the folder (`only` those
    tables, the others keeping what the folder recorded); returns what is recorded."""
    pointers = glue_pointers(glue, database)
    if only is not None:
        pointers = read_pointers(lake_dir) | {name: pointers[name] for name in only}
    path = lake_dir / POINTERS_KEY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pointers, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return pointers


def restore_tables(catalog: Catalog, database: str, bucket: str,
                   lake_dir: Path | None) -> None:
    """Make the catalog's tables the lake folder's (its files already seeded into `bucket`):
    each recorded table registered at its current metadata file, each missing one created, and
    every table evolved to the schema of this version, as a deploy does."""
    pointers = read_pointers(lake_dir) if lake_dir is not None else {}
    for name, definition in TABLE_DEFINITIONS.items():
        if name in pointers:
            with contextlib.suppress(NoSuchTableError):
                catalog.drop_table(identifier(database, definition))
            catalog.register_table(identifier(database, definition),
                                   f"s3://{bucket}/{pointers[name]}")
        create_or_evolve(catalog, database, definition, iceberg_location(bucket, definition))


def folder_table(lake_dir: Path, name: str) -> StaticTable | None:
    """The table `name` of the lake folder at its recorded snapshot; None if it has none."""
    pointer = read_pointers(lake_dir).get(name)
    if pointer is None:
        return None
    io_class = f"{FolderFileIO.__module__}.{FolderFileIO.__qualname__}"
    return StaticTable.from_metadata(f"s3://lake/{pointer}", {
        "py-io-impl": io_class, LAKE_DIR_PROPERTY: str(lake_dir)})


def current_data_files(lake_dir: Path, name: str) -> list[Path]:
    """The data files of the table's current snapshot in the folder (none: no rows yet)."""
    table = folder_table(lake_dir, name)
    if table is None:
        return []
    return sorted(lake_dir / _key(path) for path in snapshot_data_files(table))


def current_row_count(lake_dir: Path, name: str) -> int:
    """Rows of the table's current snapshot in the folder (its data files' record counts:
    overwrites rewrite files, so no delete file hides any of them)."""
    table = folder_table(lake_dir, name)
    if table is None:
        return 0
    return sum(task.file.record_count for task in table.scan().plan_files())


def create_or_evolve(catalog: Catalog, database: str, table: IcebergTable,
                     location: str) -> Table:
    """The table, created at `location` if it does not exist, else evolved to `table`
    (`evolve`): what the local lake runs where the deploy creates the tables."""
    try:
        existing = catalog.load_table(identifier(database, table))
    except NoSuchTableError:
        schema = table.iceberg_schema()
        return catalog.create_table(identifier(database, table), schema=schema,
                                    location=location,
                                    partition_spec=table.partition_spec(schema),
                                    properties=dict(TABLE_PROPERTIES))  # PyIceberg pops from it
    return evolve(existing, table)


def snapshot_data_files(iceberg: Table) -> list[str]:
    """The data files of the table's current snapshot (none before the first commit)."""
    return [task.file.file_path for task in iceberg.scan().plan_files()]


def identifier(database: str, table: IcebergTable) -> str:
    """`database.table`."""
    return f"{database}.{table.name}"
