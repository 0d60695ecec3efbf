"""Reusable pieces of the CDK app: a bundled Python function, secure queues, alarms."""
