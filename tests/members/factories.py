"""factory_boy factories for accounts. Every account has a verified primary email, as
allauth requires before it lets anyone in."""

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from members.models import DataExport, Profile, User

PASSWORD = "quiet-harbor-4821"  # noqa: S105 - test password


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.django.Password(PASSWORD)
    membership_status = User.Status.APPLICANT

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class ApplicantFactory(UserFactory):
    membership_status = User.Status.APPLICANT


class MemberFactory(UserFactory):
    membership_status = User.Status.MEMBER
    profile = factory.RelatedFactory("tests.members.factories.ProfileFactory", "user")


class StaffFactory(UserFactory):
    membership_status = User.Status.MEMBER
    is_staff = True


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(MemberFactory, profile=None)
    handle = factory.Sequence(lambda n: f"member-{n}")
    display_name = factory.Faker("name")


class DataExportFactory(factory.django.DjangoModelFactory):
    """A ready export (no file stored: tests that download store one themselves)."""

    class Meta:
        model = DataExport

    user = factory.SubFactory(MemberFactory)
    status = DataExport.Status.READY
    file_name = factory.Sequence(lambda n: f"data-exports/test-{n}.zip")
    ready_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + DataExport.LIFETIME)
