"""The context object a Lambda handler receives, with the attributes the Python runtime sets."""

from __future__ import annotations

import time
import uuid

from ordermesh_platform.shared.aws import REGION, function_arn


class LambdaContext:
    """What ``aws_lambda_powertools`` and handlers read from the Lambda context."""

    def __init__(
        self,
        function_name: str,
        *,
        timeout: float,
        memory_limit_in_mb: int = 128,
        request_id: str | None = None,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn(function_name)
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        day = time.strftime("%Y/%m/%d", time.gmtime())
        self.log_stream_name = f"{day}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self.region = REGION
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
