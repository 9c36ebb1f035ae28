"""Bounded evaluation: runaway CPU and memory end in a verdict, never in a hung or dead caller."""

from __future__ import annotations

import os
import threading
import time

import pytest

from grading import sandbox
from grading.sandbox import (
    BoundedMemoryError,
    BoundedTimeout,
    get_pool,
    run_bounded,
)


def add(a: int, b: int) -> int:
    return a + b


def spin_forever() -> None:
    while True:
        pass


def allocate_gigabytes(count: int) -> int:
    return len(bytearray(count * 1024**3))


def raise_value_error() -> None:
    raise ValueError("from the child")


def own_pid() -> int:
    return os.getpid()


def exit_abruptly() -> None:
    os._exit(3)


def descriptor_is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_it_returns_the_function_result() -> None:
    assert run_bounded(add, 2, 3) == 5


def test_it_runs_the_job_in_another_process() -> None:
    assert run_bounded(own_pid) != os.getpid()


def test_a_job_that_loops_forever_times_out_within_budget() -> None:
    started = time.monotonic()
    with pytest.raises(BoundedTimeout):
        run_bounded(spin_forever, cpu_seconds=0.5)
    assert time.monotonic() - started < 0.5 + 1.0


def test_a_job_that_allocates_2_gb_fails_and_the_caller_survives() -> None:
    with pytest.raises((BoundedMemoryError, BoundedTimeout)):
        run_bounded(allocate_gigabytes, 2)
    assert run_bounded(add, 1, 1) == 2


def test_exceptions_from_the_job_reach_the_caller() -> None:
    with pytest.raises(ValueError, match="from the child"):
        run_bounded(raise_value_error)


def test_the_pool_recovers_after_a_child_is_killed_from_outside() -> None:
    pid = run_bounded(own_pid)
    os.kill(pid, 9)
    time.sleep(0.05)
    assert run_bounded(add, 4, 4) == 8


def test_a_child_that_exits_mid_job_is_a_timeout_outcome() -> None:
    outcome = get_pool().run(exit_abruptly)
    assert outcome.kind == "timeout"
    assert run_bounded(add, 1, 2) == 3


def test_it_works_when_the_caller_is_itself_a_forked_child() -> None:
    run_bounded(add, 0, 0)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            parent_pool_pids = run_bounded(own_pid)
            code = 0 if run_bounded(add, 20, 22) == 42 and parent_pool_pids != os.getpid() else 1
            os.write(write_end, b"ok" if code == 0 else b"no")
        finally:
            os._exit(code)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    message = os.read(read_end, 2)
    os.close(read_end)
    assert os.waitstatus_to_exitcode(status) == 0
    assert message == b"ok"
    assert run_bounded(add, 1, 1) == 2


def test_a_forked_process_builds_its_own_pool() -> None:
    parent_pool = get_pool()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(write_end, b"1" if get_pool() is not parent_pool else b"0")
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    assert os.read(read_end, 1) == b"1"
    os.close(read_end)


@pytest.mark.parametrize(
    ("variable", "value", "reader", "expected"),
    [
        ("GRADING_CPU_SECONDS", "0.75", sandbox.cpu_budget, 0.75),
        ("GRADING_CPU_SECONDS", "nonsense", sandbox.cpu_budget, 2.0),
        ("GRADING_CPU_SECONDS", "-1", sandbox.cpu_budget, 2.0),
        ("GRADING_MEMORY_MB", "256", sandbox.memory_budget, 256),
        ("GRADING_MEMORY_MB", "lots", sandbox.memory_budget, 512),
    ],
)
def test_environment_overrides_the_budget(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reader: object, expected: float
) -> None:
    monkeypatch.setenv(variable, value)
    assert callable(reader)
    assert reader() == expected


def test_round_trip_overhead_is_small() -> None:
    run_bounded(add, 0, 0)
    started = time.perf_counter()
    for number in range(200):
        run_bounded(add, number, 1)
    per_call_ms = (time.perf_counter() - started) * 1000 / 200
    assert per_call_ms < 5


def test_threads_share_the_pool_safely() -> None:
    results: dict[int, list[int]] = {}

    def worker(offset: int) -> None:
        results[offset] = [run_bounded(add, offset, n) for n in range(20)]

    threads = [threading.Thread(target=worker, args=(100 * k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {100 * k: [100 * k + n for n in range(20)] for k in range(4)}


def test_a_job_with_its_own_memory_budget_gets_its_own_child() -> None:
    assert run_bounded(add, 1, 2, memory_mb=256) == 3
    with pytest.raises((BoundedMemoryError, BoundedTimeout)):
        run_bounded(allocate_gigabytes, 1, memory_mb=256)


def distribute_setting() -> bool:
    from sympy.core.parameters import global_parameters

    return bool(global_parameters.distribute)


def test_grading_jobs_never_share_a_child_with_general_jobs() -> None:
    import grading

    grading.clear_cache()
    assert grading.grade("expression", "2(x+1)", "2x + 2", {"variables": ["x"]}).correct
    assert run_bounded(distribute_setting) is True
    grading_child = get_pool().run(own_pid, lane="grading").value
    assert run_bounded(own_pid) != grading_child


def test_a_child_does_not_keep_the_callers_open_descriptors() -> None:
    # A socket or pipe the caller holds (a database connection, a client's pipe) must close for
    # its peer when the caller closes it, so a child must not hold a copy.
    read_end, write_end = os.pipe()
    try:
        pool = sandbox.BoundedPool()
        try:
            outcome = pool.run(descriptor_is_open, (write_end,))
        finally:
            pool.close()
        assert outcome.kind == "ok"
        assert outcome.value is False
        assert descriptor_is_open(write_end)
    finally:
        os.close(read_end)
        os.close(write_end)
