"""Accounts, the membership status that gates the community, and the practice profile.

- accounts.py: User (log in by email; membership status), UserManager and
  UserQuerySet (`visible_to`, the one block rule), time zone validation, AuditEvent.
- profiles.py: Term (the controlled vocabularies), Profile, HandleRedirect, the handle
  and telehealth jurisdiction validators, RESERVED_HANDLES, US_JURISDICTIONS.
- applications.py: Application, Reference, Vouch, ApplicationEvent, GUIDELINES_VERSION.
- calendars.py: CalendarToken, the secret address of a member's calendar feed.
- connections.py: Connection, Block, DualRelationship, their querysets, `blocked_between`,
  `may_introduce`.
- exports.py: DataExport (a member's download of their data).
- followups.py: FollowUp ("remind me to follow up in N weeks"), used by every app.

Everything is re-exported here, so code and migrations import from `members.models`.
"""

from hive.guidelines import GUIDELINES_VERSION  # what applications accept
from members.models.accounts import (
    FORMER_MEMBER,
    AuditEvent,
    User,
    UserManager,
    UserQuerySet,
    good_standing_q,
)
from members.models.applications import (
    Application,
    ApplicationEvent,
    Reference,
    Vouch,
)
from members.models.calendars import CalendarToken
from members.models.connections import (
    Block,
    BlockQuerySet,
    Connection,
    ConnectionQuerySet,
    ConnectionTag,
    DualRelationship,
    DualRelationshipQuerySet,
    blocked_between,
    introduction_barriers,
    may_introduce,
    never_introduced_ids,
)
from members.models.exports import DataExport
from members.models.followups import FollowUp, FollowUpQuerySet
from members.models.profiles import (
    RESERVED_HANDLES,
    US_JURISDICTIONS,
    HandleRedirect,
    Profile,
    ProfileQuerySet,
    Term,
    validate_handle,
    validate_jurisdictions,
)
from members.models.review import LicenseLookup, ReviewNote

__all__ = [
    "FORMER_MEMBER",
    "GUIDELINES_VERSION",
    "RESERVED_HANDLES",
    "US_JURISDICTIONS",
    "Application",
    "ApplicationEvent",
    "AuditEvent",
    "Block",
    "BlockQuerySet",
    "CalendarToken",
    "Connection",
    "ConnectionQuerySet",
    "DataExport",
    "FollowUp",
    "FollowUpQuerySet",
    "ConnectionTag",
    "DualRelationship",
    "DualRelationshipQuerySet",
    "HandleRedirect",
    "LicenseLookup",
    "Profile",
    "ProfileQuerySet",
    "Reference",
    "ReviewNote",
    "Term",
    "User",
    "UserManager",
    "UserQuerySet",
    "Vouch",
    "blocked_between",
    "good_standing_q",
    "introduction_barriers",
    "may_introduce",
    "never_introduced_ids",
    "validate_handle",
    "validate_jurisdictions",
]
