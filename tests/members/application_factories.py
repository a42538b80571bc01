"""factory_boy factories for applications and their references.

    ApplicationFactory()                                  # complete, submitted, 2 references
    ApplicationFactory(references=["confirmed", "pending"])
    ApplicationFactory(age_days=3)                        # submitted three days ago
    ApplicationFactory(draft=True)                        # an untouched draft
    ApplicationFactory(approved=True)                     # a member's approved application

Every non-draft application gets the "submitted" event its history would start with.
"""

from datetime import timedelta

import factory
from django.utils import timezone

from members.models import (
    GUIDELINES_VERSION,
    Application,
    ApplicationEvent,
    Profile,
    Reference,
    Term,
    User,
)
from tests.members.factories import MemberFactory, UserFactory

Status = Application.Status
VALID_NPI = "1234567893"  # the check-digit example from CMS's NPI documentation


def a_profession() -> Term:
    return Term.objects.filter(kind=Term.Kind.PROFESSION).order_by("position", "pk").first()


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    application = None  # always given: ApplicationFactory creates two
    position = 1
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"reference{n}@example.org")
    relationship = "Clinical supervisor for two years at a community agency"
    status = Reference.Status.PENDING
    requested_at = factory.LazyFunction(timezone.now)
    responded_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status != Reference.Status.PENDING else None
    )
    comment = factory.LazyAttribute(
        lambda o: (
            "I supervised their clinical work and recommend them warmly."
            if o.status == Reference.Status.CONFIRMED
            else ""
        )
    )


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete application that waits for review (status submitted)."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    class Params:
        age_days = 0
        draft = factory.Trait(
            status=Status.DRAFT,
            submitted_at=None,
            legal_name="",
            display_name="",
            profession=None,
            credential_tier="",
            license_type="",
            license_number="",
            license_jurisdiction="",
            license_expiry=None,
            npi="",
            practice_setting="",
            city="",
            why_join="",
            guidelines_version="",
            guidelines_accepted_at=None,
        )
        approved = factory.Trait(
            status=Status.APPROVED,
            user=factory.SubFactory(MemberFactory),
            decided_at=factory.LazyFunction(timezone.now),
        )

    user = factory.SubFactory(UserFactory)
    status = Status.SUBMITTED
    legal_name = factory.Faker("name")
    display_name = factory.LazyAttribute(lambda o: o.legal_name.split(" ")[0] + " R.")
    pronouns = "she/her"
    profession = factory.LazyFunction(a_profession)
    credential_tier = Profile.Tier.LICENSED
    supervisor_name = ""
    license_type = "LCSW"
    license_number = factory.Sequence(lambda n: f"LCS {70000 + n}")
    license_jurisdiction = "CA"
    license_expiry = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=400))
    npi = VALID_NPI
    practice_setting = Application.Setting.SOLO
    city = "Oakland"
    why_join = "Private practice is lonely; I would like a monthly consultation group."
    guidelines_version = GUIDELINES_VERSION
    guidelines_accepted_at = factory.LazyFunction(timezone.now)
    submitted_at = factory.LazyAttribute(lambda o: timezone.now() - timedelta(days=o.age_days))

    @factory.post_generation
    def references(self, create, extracted, **kwargs):
        """Two references; pass a list of statuses, e.g. ["confirmed", "pending"]."""
        if not create:
            return
        if self.status == Status.DRAFT:
            Reference.objects.bulk_create([Reference(application=self, position=p) for p in (1, 2)])
            return
        statuses = extracted or [Reference.Status.PENDING, Reference.Status.PENDING]
        for position, status in enumerate(statuses, start=1):
            ReferenceFactory(
                application=self, position=position, status=status, requested_at=self.submitted_at
            )

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if not create or self.status == Status.DRAFT or extracted is False:
            return
        ApplicationEvent.objects.create(
            application=self,
            actor=self.user,
            action="submitted",
            from_status=Status.DRAFT,
            to_status=Status.SUBMITTED,
            created_at=self.submitted_at,
        )

    @factory.post_generation
    def membership(self, create, extracted, **kwargs):
        """Keep the account's membership status in line with the application."""
        if not create:
            return
        wanted = {
            Status.APPROVED: User.Status.MEMBER,
            Status.LAPSED: User.Status.LAPSED,
            Status.SUSPENDED: User.Status.SUSPENDED,
        }.get(self.status, User.Status.APPLICANT)
        if self.user.membership_status != wanted:
            self.user.membership_status = wanted
            self.user.save(update_fields=["membership_status"])
