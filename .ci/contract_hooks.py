"""Hooks for the contract test (loaded by .ci/contract through SCHEMATHESIS_HOOKS).

A campaign's `closes_at` must lie in the future: openapi.yaml says so in its description, as
JSON Schema has no keyword for it. Schemathesis draws date-times from anywhere in time, and
sends timestamps it has read in responses (the present) back as request values, so a
schema-valid `closes_at` that is already past is moved a year ahead before it is sent: the
checks then hold the server to every rule the schema can state. The refusal of a past time is
tested in tests/api/campaigns.rs.
"""
from datetime import datetime, timedelta, timezone

import schemathesis


def _past(value):
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return False
    if moment.tzinfo is None:
        return False
    return moment <= datetime.now(timezone.utc) + timedelta(minutes=1)


@schemathesis.hook
def before_call(context, case, **kwargs):
    if case.operation.path.startswith("/v1/campaigns") and isinstance(case.body, dict):
        if isinstance(case.body.get("closes_at"), str) and _past(case.body["closes_at"]):
            ahead = datetime.now(timezone.utc) + timedelta(days=365)
            case.body["closes_at"] = ahead.isoformat().replace("+00:00", "Z")
