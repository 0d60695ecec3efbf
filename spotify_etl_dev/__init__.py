"""Development tooling, never deployed: the local stand-ins (moto's server, a strict Spotify Web
API, Lambda's SQS event source, a virtual clock), the sample data, the local pipeline run and the
scale simulation.

Neither the stacks nor the Lambda code import this package; it imports both, so the demo and the
tests run exactly the handlers the stacks deploy.
"""
