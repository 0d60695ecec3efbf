"""Lambda entry points: thin adapters from events to spotify_runtime functions."""
