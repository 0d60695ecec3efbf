"""The code that runs in Lambda.

The modules at this level are shared by every function (the contract with the CDK app, the
bucket layout, the raw envelope, sources, logging, metrics, what a container keeps between
invocations); `extract` is the planner and the extract worker, `transform` the transform
function. Each function's asset holds the shared
modules and its own subpackage only.
"""
