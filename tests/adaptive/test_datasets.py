import pytest

from adaptive.datasets import LogFormatError, format_log, parse_log, split_by_student

SAMPLE = "3\n5,5,7,\n1,0,1,\n2\n7,2\n0,0\n"


def test_it_reads_three_lines_per_student_with_trailing_commas():
    log = parse_log(SAMPLE)
    assert [s.skills for s in log.students] == [(5, 5, 7), (7, 2)]
    assert [s.outcomes for s in log.students] == [(1, 0, 1), (0, 0)]
    assert log.n_responses == 5
    assert log.n_skills == 8


def test_formatting_round_trips():
    log = parse_log(SAMPLE)
    assert parse_log(format_log(log)) == log


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2\n1,2\n1\n", "count"),
        ("1\n1\n", "three lines"),
        ("1\nx\n1\n", "integers"),
        ("1\n3\n2\n", "outcomes"),
    ],
)
def test_it_rejects_malformed_logs_with_a_reason(text, message):
    with pytest.raises(LogFormatError, match=message):
        parse_log(text)


def test_split_is_by_student_and_repeatable():
    text = "".join(f"1\n{i}\n{i % 2}\n" for i in range(50))
    log = parse_log(text)
    train, test = split_by_student(log, test_share=0.2, seed=3)
    again_train, again_test = split_by_student(log, test_share=0.2, seed=3)
    assert (train, test) == (again_train, again_test)
    assert len(test.students) == 10
    train_ids = {s.skills for s in train.students}
    test_ids = {s.skills for s in test.students}
    assert train_ids.isdisjoint(test_ids)
    assert len(train_ids | test_ids) == 50
