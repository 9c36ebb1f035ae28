import pytest
from django.test import override_settings
from django.utils import timezone

from quizzes.models import PreparedVariant, Problem, ProblemTemplate
from quizzes.services.learner_model import apply_diagnostic_estimates
from quizzes.services.next_problem import NoProblemAvailable, choose_next_problem
from quizzes.services.practice import create_another_problem, create_problem, reveal_hint
from quizzes.services.variant_pool import refill_variant_pool
from quizzes.services.variants import variant_from_snapshot

pytestmark = pytest.mark.django_db


def test_a_new_student_starts_on_the_first_root_topic(synced, student_a):
    assert choose_next_problem(user=student_a).topic.slug == "first-steps"


@pytest.mark.parametrize(
    ("first_steps_estimate", "served"),
    [
        (0.97, {"next-steps", "side-road"}),  # tested out: the topics beyond it are open
        (0.5, {"first-steps"}),  # started, not mastered: keep practising it
    ],
)
def test_the_policy_serves_the_frontier_of_unlocked_topics(
    synced, student_a, first_steps_estimate, served
):
    apply_diagnostic_estimates(
        user=student_a, estimates={"first-steps": first_steps_estimate}, at=timezone.now()
    )
    assert choose_next_problem(user=student_a).topic.slug in served


def test_a_topic_can_be_asked_for_by_slug(synced, student_a):
    slug = "side-road"
    assert choose_next_problem(user=student_a, topic_slug=slug).topic.slug == slug


def test_an_unknown_topic_is_refused(synced, student_a):
    with pytest.raises(NoProblemAvailable):
        choose_next_problem(user=student_a, topic_slug="no-such-topic")


def test_a_problem_stores_its_version_seed_and_snapshot(synced, student_a):
    problem = choose_next_problem(user=student_a)
    template = ProblemTemplate.objects.get(pk=problem.template_id)
    assert problem.template_version_id == template.current_version_id
    variant = variant_from_snapshot(problem.snapshot)
    assert variant.seed == problem.seed
    assert variant.fingerprint.startswith(problem.fingerprint)
    assert problem.session is not None


def test_seeds_are_drawn_fresh_for_each_problem(synced, student_a):
    seeds = {choose_next_problem(user=student_a).seed for _ in range(5)}
    assert len(seeds) == 5


def test_problems_served_close_together_share_a_session(synced, student_a):
    first = choose_next_problem(user=student_a)
    second = choose_next_problem(user=student_a)
    assert first.session_id == second.session_id


def test_another_one_like_this_keeps_the_template_and_changes_the_seed(make_problem, student_a):
    problem = make_problem(student_a)
    another = create_another_problem(problem=problem)
    assert another.template_id == problem.template_id
    assert another.seed != problem.seed
    assert another.user_id == student_a.pk


def test_hints_are_revealed_one_at_a_time_and_stop_at_the_last(make_problem, student_a):
    problem = make_problem(student_a)
    total = len(variant_from_snapshot(problem.snapshot).hints_html)
    for expected in range(1, total + 2):
        problem = reveal_hint(problem=problem)
        assert problem.hints_revealed == min(expected, total)
    assert Problem.objects.get(pk=problem.pk).hints_revealed == total


@override_settings(VARIANT_BANK_SIZE=3, VARIANT_BANK_PREFILL=2)
def test_a_banked_variant_is_served_and_stays_in_the_bank(synced, student_a, student_b):
    template = ProblemTemplate.objects.select_related("current_version").get(
        key=synced.templates[0].id
    )
    version = template.current_version
    assert [refill_variant_pool(version_id=version.pk) for _ in range(3)] == [1, 1, 0]
    banked = set(
        PreparedVariant.objects.filter(template_version=version).values_list("seed", flat=True)
    )
    problem = create_problem(user=student_a, template=template)
    assert problem.seed in banked
    assert variant_from_snapshot(problem.snapshot).seed == problem.seed
    # Serving does not use the variant up: another student can meet the same numbers.
    assert (
        set(PreparedVariant.objects.filter(template_version=version).values_list("seed", flat=True))
        == banked
    )


@override_settings(VARIANT_BANK_SIZE=3, VARIANT_BANK_PREFILL=0)
def test_a_student_never_meets_the_same_variant_twice_and_misses_grow_the_bank(
    synced, student_a, student_b
):
    template = ProblemTemplate.objects.select_related("current_version").get(
        key=synced.templates[0].id
    )
    bank = PreparedVariant.objects.filter(template_version=template.current_version)
    seeds = [create_problem(user=student_a, template=template).seed for _ in range(5)]
    assert len(set(seeds)) == 5
    # The first three were generated and banked; the bank then stopped at its size.
    assert set(bank.values_list("seed", flat=True)) == set(seeds[:3])
    # Another student is served from the bank: no generation for the first three.
    others = [create_problem(user=student_b, template=template).seed for _ in range(3)]
    assert set(others) == set(seeds[:3])
    fourth = create_problem(user=student_b, template=template).seed
    assert fourth not in seeds and bank.count() == 3


@override_settings(VARIANT_BANK_SIZE=0)
def test_with_the_bank_off_every_problem_is_generated(synced, student_a):
    template = ProblemTemplate.objects.select_related("current_version").get(
        key=synced.templates[0].id
    )
    problem = create_problem(user=student_a, template=template)
    assert variant_from_snapshot(problem.snapshot).seed == problem.seed
    assert not PreparedVariant.objects.exists()
