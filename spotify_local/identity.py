"""The account and region every local stand-in (moto, the SQS stand-in, Lambda contexts) uses,
so the ARNs and queue URLs they hand out agree with each other."""

REGION = "us-east-1"
ACCOUNT = "123456789012"
"""moto's default account: the ARNs moto returns carry it too."""
