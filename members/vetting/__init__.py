"""Applications and human vetting: the state machine and everything around it.

States: draft → submitted → (changes requested ↔ resubmitted) → approved | rejected;
approved → lapsed → approved; any → suspended. One function per transition. Each
locks the application row (SELECT … FOR UPDATE), checks the state it starts from and
raises IllegalTransition otherwise, so two staff deciding at once cannot both win: the
second one finds the state already changed. Every transition appends an
ApplicationEvent and notifies the applicant (mandatory kind: decisions always arrive).

- states.py: `TRANSITIONS`, the one map of which states each transition starts from
  (ask it with `can` / `starts_from`), IllegalTransition, StaffNeedsTwoFactor, and
  the lock-check-move helpers every transition uses.
- drafts.py: `application_for`, `missing_for_submission`, `application_save_draft`.
- transitions.py: `application_<transition>` for submit, request changes, approve,
  reject, lapse and suspend.
- checklist.py: the license lookup and renewal, the references' answers, vouches.
- references.py: the references' signed links and emails, reminders, naming someone
  else while staff review (rate-limited).
- tiers.py: which credential tiers a profession allows.
- reviewing.py: staff claiming an application, and their notes to each other.
- periodic.py: the daily license expiry check and the staff's review queue digest.
"""

from members.vetting import references, tiers
from members.vetting.checklist import (
    license_mark_verified,
    license_renewal_submit,
    reference_respond,
    vouch_create,
)
from members.vetting.drafts import application_for, application_save_draft, missing_for_submission
from members.vetting.periodic import REMINDER_DAYS, license_expiry_check, review_queue_digest
from members.vetting.references import (
    REFERENCE_LINK_DAYS,
    REFERENCE_SALT,
    reference_from_token,
    reference_replace,
    reference_request_send,
    reference_resend,
    reference_token,
    resend_blocked,
)
from members.vetting.reviewing import review_claim, review_note_add, review_unclaim
from members.vetting.states import (
    TRANSITIONS,
    IllegalTransition,
    StaffNeedsTwoFactor,
    can,
    starts_from,
)
from members.vetting.transitions import (
    application_approve,
    application_lapse,
    application_reject,
    application_request_changes,
    application_submit,
    application_suspend,
)

__all__ = [
    "references",
    "tiers",
    "REFERENCE_LINK_DAYS",
    "REFERENCE_SALT",
    "REMINDER_DAYS",
    "TRANSITIONS",
    "IllegalTransition",
    "StaffNeedsTwoFactor",
    "application_approve",
    "application_for",
    "application_lapse",
    "application_reject",
    "application_request_changes",
    "application_save_draft",
    "application_submit",
    "application_suspend",
    "can",
    "license_expiry_check",
    "license_mark_verified",
    "license_renewal_submit",
    "missing_for_submission",
    "reference_from_token",
    "reference_replace",
    "reference_request_send",
    "reference_resend",
    "reference_respond",
    "reference_token",
    "resend_blocked",
    "review_claim",
    "review_note_add",
    "review_unclaim",
    "review_queue_digest",
    "starts_from",
    "vouch_create",
]
