"""Code that runs in the pipeline's Lambda functions and, unchanged, in the local CLI.

Nothing here imports the CDK; pandas/pyarrow are imported only by the transform modules.
"""
