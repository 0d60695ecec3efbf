"""`python -m spotify_etl ...`: the local CLI."""

from spotify_etl.cli import main

raise SystemExit(main())
