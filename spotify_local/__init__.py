"""The local simulation: stand-ins for AWS and Spotify, the local run that drives the deployed
handlers through them, and the scale simulation (docs/local-run.md)."""
