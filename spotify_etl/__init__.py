"""spotify-etl: the CDK app (stacks, constructs, typed config) and the local tooling."""
