"""Every term from the process's copy (members.taxonomy.all_terms), reloaded when a term
changes, when the cache loses the version, and after MAX_AGE."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from members import taxonomy
from members.models import Term

pytestmark = pytest.mark.django_db


def labels():
    return {term.label for term in taxonomy.all_terms()}


def test_the_terms_are_the_database_s_in_its_order(django_assert_num_queries):
    expected = list(Term.objects.values_list("pk", flat=True))
    assert [term.pk for term in taxonomy.all_terms()] == expected
    with django_assert_num_queries(0):
        assert [term.pk for term in taxonomy.all_terms()] == expected


def test_a_new_or_renamed_term_shows_at_the_next_read(django_capture_on_commit_callbacks):
    assert "Forest bathing" not in labels()
    with django_capture_on_commit_callbacks(execute=True):
        new = Term.objects.create(kind=Term.Kind.MODALITY, slug="forest", label="Forest bathing")
    assert "Forest bathing" in labels()
    with django_capture_on_commit_callbacks(execute=True):
        new.label = "Nature-based therapy"
        new.save()
    assert "Nature-based therapy" in labels() and "Forest bathing" not in labels()
    with django_capture_on_commit_callbacks(execute=True):
        new.delete()
    assert "Nature-based therapy" not in labels()


def test_nothing_changes_before_the_transaction_commits(django_capture_on_commit_callbacks):
    labels()  # this process's copy, under the current version
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Term.objects.create(kind=Term.Kind.MODALITY, slug="forest", label="Forest bathing")
    assert len(callbacks) == 1
    assert "Forest bathing" not in labels()  # the version has not moved yet
    callbacks[0]()
    assert "Forest bathing" in labels()


def test_a_lost_version_reloads(django_assert_num_queries):
    labels()
    cache.delete(taxonomy.VERSION_KEY)  # evicted, or Redis restarted empty
    with django_assert_num_queries(1):
        taxonomy.all_terms()


def test_a_copy_expires_after_max_age(monkeypatch, django_assert_num_queries):
    labels()
    clock = taxonomy.time.monotonic() + taxonomy.MAX_AGE + 1
    monkeypatch.setattr(taxonomy.time, "monotonic", lambda: clock)
    with django_assert_num_queries(1):
        taxonomy.all_terms()
    with django_assert_num_queries(0):
        taxonomy.all_terms()


def test_the_directory_s_filters_list_a_new_term(member_client, django_capture_on_commit_callbacks):
    member_client.get(reverse("members:directory"))
    with django_capture_on_commit_callbacks(execute=True):
        Term.objects.create(kind=Term.Kind.MODALITY, slug="forest", label="Forest bathing")
    page = member_client.get(reverse("members:directory")).content.decode()
    assert '<option value="forest">Forest bathing</option>' in page
