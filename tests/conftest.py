"""Fixtures shared by every test: people in each role, logged-in clients."""

import pytest
from django.core.cache import cache

from tests.members.factories import ApplicantFactory, MemberFactory, StaffFactory


@pytest.fixture(autouse=True)
def _migrated_data_survives_flushes(request):
    """Tests on a real transaction (live server, other processes) end with a flush that
    also empties what data migrations loaded (the vocabularies, the values
    questionnaire); put it back for such tests."""
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        from members.models import Term
        from members.taxonomy import load_taxonomy

        if not Term.objects.exists():
            load_taxonomy(Term)
        from matching.models import Questionnaire, Statement
        from matching.questionnaire import load_questionnaire

        if not Questionnaire.objects.exists():
            load_questionnaire(Questionnaire, Statement)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache (Redis): start every test from zero.
    Only our prefixed keys go: the same Redis may hold `make run`'s queue and cache."""
    cache.delete_pattern("*")
    yield
    cache.delete_pattern("*")


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def applicant(db):
    return ApplicantFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
