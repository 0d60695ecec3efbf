"""Local tooling (not deployed): a fake Spotify Web API, sample data, the local run."""
