"""Hooks for the contract test (loaded by .ci/contract through SCHEMATHESIS_HOOKS).

An organisation's colour must leave text readable on it (see `_unreadable` below).

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


def _luminance(hex_colour):
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _unreadable(value):
    """A `#rrggbb` on which neither white nor #0b0c0c text reaches 4.5:1 (WCAG 2.2 AA)."""
    if not isinstance(value, str):
        return False
    colour = value.strip()
    if len(colour) != 7 or not colour.startswith("#"):
        return False
    try:
        lum = _luminance(colour)
    except ValueError:
        return False
    dark = _luminance("#0b0c0c")
    return max(1.05 / (lum + 0.05), (lum + 0.05) / (dark + 0.05)) < 4.5


@schemathesis.hook
def before_call(context, case, **kwargs):
    # A colour's contrast is a rule the schema gives in prose: a schema-valid colour that
    # fails it is swapped for one that passes. The refusal is tested in tests/api/brand.rs.
    if isinstance(case.body, dict):
        for holder in (case.body, case.body.get("organiser")):
            if isinstance(holder, dict) and _unreadable(holder.get("colour")):
                holder["colour"] = "#1d3557"
    if case.operation.path.startswith("/v1/campaigns") and isinstance(case.body, dict):
        if isinstance(case.body.get("closes_at"), str) and _past(case.body["closes_at"]):
            ahead = datetime.now(timezone.utc) + timedelta(days=365)
            case.body["closes_at"] = ahead.isoformat().replace("+00:00", "Z")
