"""Calling rules: when a contact may be called, why, and when next.

Public functions (the queue, the desk, the Rules screen and the command line call these):

- :func:`decide` - THE decision: may this number/contact be dialled by whom at an instant, and
  the whole explanation (a :class:`Verdict`); every other function here is a view of it;

- :func:`locale_status` - the verdict for a locale key at a moment (cached per key);
- :func:`locale_window` - the same verdict's allowed / changes-at only, windows shared;
- :func:`contact_status` - the same plus per-person caps for one contact;
- :func:`check_dial` - a number typed by hand (DNC, its own place, the contact's, caps);
- :func:`authorize_dial` - the same, refusing (DialRefused) unless a manager overrides;
- :func:`explain` - the JSON explanation of ``calldesk rules explain``;
- :func:`needs_review`, :func:`set_zone` - contacts whose place is unknown, and fixing them;
- :func:`dnc_snapshot_warnings` - registry snapshots older than their refresh period;
- :func:`rules_overview` - what the Rules screen shows (packs, narrowings, review, DNC ages);
- :func:`validate_campaign_rules` - a campaign's narrowing, checked (it can only narrow).
"""

from calldesk.rules.campaign import campaign_rule, validate_campaign_rules
from calldesk.rules.contacts import (
    apply_caps,
    cap_horizon,
    check_dial,
    contact_status,
    is_dnc_number,
    known_attempt_times,
    normalize_number,
)
from calldesk.rules.context import RulesContext, load_context
from calldesk.rules.decide import (
    NOT_OVERRIDABLE,
    DialRefused,
    Verdict,
    authorize_dial,
    contact_is_business,
    decide,
    is_business_number,
)
from calldesk.rules.engine import (
    LocaleStatus,
    RuleCheck,
    WindowMemo,
    clear_caches,
    locale_status,
    locale_window,
    window_fingerprint,
)
from calldesk.rules.explain import explain, explain_text
from calldesk.rules.overview import campaign_narrowings, pack_summaries, rules_overview
from calldesk.rules.packs import (
    Rule,
    RulePack,
    RulePackError,
    active_packs,
    pack_for,
    shipped_packs,
)
from calldesk.rules.review import (
    dnc_snapshot_ages,
    dnc_snapshot_warnings,
    needs_review,
    needs_review_count,
    set_zone,
)

__all__ = [
    "NOT_OVERRIDABLE",
    "RulesContext",
    "Verdict",
    "WindowMemo",
    "contact_is_business",
    "decide",
    "is_business_number",
    "load_context",
    "DialRefused",
    "authorize_dial",
    "LocaleStatus",
    "Rule",
    "RuleCheck",
    "RulePack",
    "RulePackError",
    "active_packs",
    "apply_caps",
    "campaign_narrowings",
    "cap_horizon",
    "campaign_rule",
    "check_dial",
    "clear_caches",
    "contact_status",
    "dnc_snapshot_ages",
    "dnc_snapshot_warnings",
    "explain",
    "explain_text",
    "is_dnc_number",
    "known_attempt_times",
    "locale_status",
    "locale_window",
    "needs_review",
    "needs_review_count",
    "normalize_number",
    "pack_for",
    "pack_summaries",
    "rules_overview",
    "set_zone",
    "shipped_packs",
    "validate_campaign_rules",
    "window_fingerprint",
]
