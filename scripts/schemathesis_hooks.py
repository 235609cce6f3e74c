"""Schemathesis hooks for scripts/check-openapi.

Idempotency-Key is one key per logical operation: schemathesis draws key values independently of
bodies, so two different generated requests often share a key ("0"), which the simulator (like the
IETF draft) rightly answers 422 IDEMPOTENCY_KEY_REUSED. Each valid generated key therefore gets a unique
suffix; invalid keys are left alone so that their rejection is still checked. Replays, mismatches and
in-flight conflicts are covered by Tests/ZiettSimulatorTests.
"""

import re
import uuid

import schemathesis

_VALID = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(context, case, **kwargs):
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and _VALID.fullmatch(key):
        headers["Idempotency-Key"] = key[:200] + "-" + uuid.uuid4().hex
        case.headers = headers
