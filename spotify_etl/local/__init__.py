"""Local tooling (not deployed): stand-ins for Spotify and AWS, the local run, simulations."""
