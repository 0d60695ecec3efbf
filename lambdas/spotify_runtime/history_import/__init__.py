"""Import of Spotify's personal-data export (docs/history-import.md): export files -> `streams`.

- `streams`: the table's schema, a play's identity and the merge into one object per month.
- `export_files`: one JSON file of either export kind -> rows of `streams` and skips per reason.
- `members`: a zip as downloaded, a folder or JSON files -> the export files in them.
- `importer`: the above together, for the command line and the Lambda alike.
- `handler`: the Lambda (an upload under `imports/`).
"""
