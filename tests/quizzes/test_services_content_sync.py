from dataclasses import replace

import pytest
from django.test import override_settings

from quizzes.models import ProblemTemplate, TemplateVersion, Topic
from quizzes.services.content_sync import sync_content
from tests.conftest import BankSlice

pytestmark = pytest.mark.django_db


def test_it_loads_every_topic_with_its_prerequisites(synced):
    assert Topic.objects.count() == len(synced.topics)
    for node in synced.topics:
        topic = Topic.objects.get(slug=node.slug)
        assert sorted(topic.prerequisites.values_list("slug", flat=True)) == sorted(
            node.prerequisites
        )


def test_it_creates_each_template_at_version_one(synced):
    for source in synced.templates:
        template = ProblemTemplate.objects.get(key=source.id)
        assert template.current_version.number == 1
        assert template.current_version.source_text == source.source_text
        assert template.topic.slug == source.topic


def test_a_second_sync_of_the_same_bank_changes_nothing(synced):
    report = sync_content(bank=synced)
    assert report.created == () and report.updated == ()
    assert report.unchanged == len(synced.templates)
    assert TemplateVersion.objects.count() == len(synced.templates)


def test_a_changed_source_gets_a_new_version_and_old_problems_keep_theirs(
    synced, make_problem, student_a
):
    problem = make_problem(student_a)
    first = synced.templates[0]
    edited_text = first.source_text + "\n# reworded\n"
    edited = replace(first, source_text=edited_text, source_hash="0" * 64)
    report = sync_content(bank=BankSlice(synced.topics, (edited, *synced.templates[1:])))

    assert report.updated == (first.id,)
    template = ProblemTemplate.objects.get(key=first.id)
    assert template.current_version.number == 2
    assert template.current_version.source_text == edited_text
    problem.refresh_from_db()
    assert problem.template_version.number == 1


def test_a_template_gone_from_the_bank_is_retired_not_deleted(synced):
    report = sync_content(bank=BankSlice(synced.topics, synced.templates[1:]))
    assert report.deactivated == (synced.templates[0].id,)
    assert not ProblemTemplate.objects.get(key=synced.templates[0].id).is_active


@override_settings(REDIS_URL="redis://broker.invalid:6379/0", VARIANT_BANK_PREFILL=2)
def test_a_sync_queues_the_bank_prefill_for_every_servable_version(
    bank_slice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sync_content(bank=bank_slice)
    for template in ProblemTemplate.objects.all():
        assert template.current_version.prepared_variants.count() == 2
