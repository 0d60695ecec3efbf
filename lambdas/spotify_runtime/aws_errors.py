"""Naming AWS failures in one-line messages."""

from __future__ import annotations


def aws_error_code(error: BaseException) -> str:
    """The AWS error code of a botocore ClientError (e.g. `AccessDeniedException`), else the
    exception's class name (connection errors, missing credentials)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(error).__name__
