"""Hooks for the contract test (loaded by .ci/contract through SCHEMATHESIS_HOOKS).

A campaign's `closes_at` must lie in the future: openapi.yaml says so in its description, as
JSON Schema has no keyword for it. Schemathesis draws date-times from anywhere in time, and
sends timestamps it has read in responses (the present) back as request values, so a
schema-valid `closes_at` that is already past is moved a year ahead before it is sent: the
checks then hold the server to every rule the schema can state. The refusal of a past time is
tested in tests/api/campaigns.rs.

Three more rules relate a field to others, or to what the campaign already is, which a
schema cannot say of an edit: a translation is into the language the campaign is not in,
young signers are not taken by a pledge, and young signers' retention is at most everyone's.
The schema states the first two for a new campaign; otherwise a generated body that would
break one is brought within it before it is sent (an edit's young_signers is sent as false, as
the campaign's kind is unknown here). Each refusal is tested in tests/api/everyone.rs.
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


def _days(value):
    """A number of days the schema allows, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 3650:
        return value
    return None


def _within_signer_rules(body, creating):
    # Each change below swaps a value the schema allows for another it allows, so a case made
    # to break the schema still breaks it.
    young = _days(body.get("young_retention_days"))
    everyone = _days(body.get("retention_days"))
    if young is not None:
        if everyone is not None:
            body["young_retention_days"] = min(young, everyone)
        elif "retention_days" not in body:
            # An edit's campaign may keep everyone's data for as little as a day.
            body["young_retention_days"] = min(young, 180) if creating else 1
    if creating:
        # The schema states the rest for a new campaign.
        return
    if body.get("young_signers") is True:
        body["young_signers"] = False
    translations = body.get("translations")
    lang = body.get("lang")
    if isinstance(translations, dict) and "lang" not in body:
        # Say which language the campaign is in, so that the translation is into the other.
        if "en" in translations and "cy" not in translations:
            body["lang"] = "cy"
        elif "cy" in translations and "en" not in translations:
            body["lang"] = "en"
    elif lang in ("en", "cy") and "translations" not in body:
        # A new language with the translations it has now could name itself: start afresh.
        body["translations"] = {}


@schemathesis.hook
def before_call(context, case, **kwargs):
    if case.operation.path.startswith("/v1/campaigns") and isinstance(case.body, dict):
        if isinstance(case.body.get("closes_at"), str) and _past(case.body["closes_at"]):
            ahead = datetime.now(timezone.utc) + timedelta(days=365)
            case.body["closes_at"] = ahead.isoformat().replace("+00:00", "Z")
        if case.operation.path == "/v1/campaigns" and case.method.upper() == "POST":
            _within_signer_rules(case.body, creating=True)
        elif case.operation.path == "/v1/campaigns/{slug}" and case.method.upper() == "PATCH":
            _within_signer_rules(case.body, creating=False)
