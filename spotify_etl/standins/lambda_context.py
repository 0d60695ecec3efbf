"""A stand-in for the context object Lambda passes to a handler."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from spotify_etl.standins.identity import ACCOUNT, REGION


@dataclass
class FakeLambdaContext:
    """What the handlers use of a Lambda context: the remaining time and a few names."""

    function_name: str
    timeout_seconds: float
    """The function's timeout: `get_remaining_time_in_millis` counts down from it as on AWS, so
    a long Retry-After ends a local run's source the way it ends an invocation."""
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        """The ARN this invocation would have (local account)."""
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        """The function's log group name."""
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the (simulated) timeout."""
        elapsed = time.monotonic() - self.started_at
        return max(int((self.timeout_seconds - elapsed) * 1000), 0)
