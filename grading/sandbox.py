"""Bounded evaluation: run a function in a pre-forked child under CPU-time and memory limits.

SymPy spends long stretches inside C-level loops where a signal handler never runs, so a timer
signal cannot stop it. Instead each job runs in a child process made with ``os.fork`` (not
``multiprocessing``, which refuses to start children from a daemonic Celery prefork worker). The
child sets ``RLIMIT_AS`` once and moves its soft ``RLIMIT_CPU`` before every job relative to the
CPU it has used so far; the parent waits on the result pipe with a wall-clock deadline and kills
the child with SIGKILL when it overruns. A dead child becomes a failed outcome, never an exception
escaping into the caller, and a fresh child is forked on the next job.

One pool exists per process. After any fork (gunicorn, Celery prefork, a test) the new process
builds its own pool and closes the pipes it inherited, so it never talks to its parent's children.

``GRADING_CPU_SECONDS`` and ``GRADING_MEMORY_MB`` override the default budget of 2 s and 512 MB.
The memory budget is headroom above what the forked child already maps, because a web or worker
process may map hundreds of megabytes of libraries before the first job.
"""

from __future__ import annotations

import math
import os
import pickle
import resource
import select
import signal
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

DEFAULT_CPU_SECONDS = 2.0
DEFAULT_MEMORY_MB = 512
JOBS_PER_CHILD = 1000
MAX_IDLE_CHILDREN = 4
_HEADER = struct.Struct("!Q")
_PARENT_CHECK_SECONDS = 1.0

OutcomeKind = Literal["ok", "error", "timeout", "memory"]


class BoundedTimeout(Exception):
    """The bounded job ran out of CPU or wall-clock time, or its process died."""


class BoundedMemoryError(Exception):
    """The bounded job needed more memory than its budget."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one bounded job; ``value`` holds the result or the raised exception."""

    kind: OutcomeKind
    value: Any = None
    elapsed_ms: float = 0.0


def cpu_budget() -> float:
    """The CPU budget in seconds, from ``GRADING_CPU_SECONDS`` when set."""
    try:
        seconds = float(os.environ.get("GRADING_CPU_SECONDS", DEFAULT_CPU_SECONDS))
    except ValueError:
        return DEFAULT_CPU_SECONDS
    return seconds if seconds > 0 else DEFAULT_CPU_SECONDS


def memory_budget() -> int:
    """The memory headroom in megabytes, from ``GRADING_MEMORY_MB`` when set."""
    try:
        megabytes = int(os.environ.get("GRADING_MEMORY_MB", DEFAULT_MEMORY_MB))
    except ValueError:
        return DEFAULT_MEMORY_MB
    return megabytes if megabytes > 0 else DEFAULT_MEMORY_MB


def wall_deadline(cpu_seconds: float) -> float:
    """Wall-clock allowance for a job: the CPU budget plus a margin for scheduling noise."""
    return cpu_seconds + max(0.3, 0.2 * cpu_seconds)


def _write_frame(fd: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    """Read ``size`` bytes; None on end of file or when the deadline passes."""
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float | None) -> bytes | None:
    header = _read_exact(fd, _HEADER.size, deadline)
    if header is None:
        return None
    (length,) = _HEADER.unpack(header)
    return _read_exact(fd, length, deadline)


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _limit_cpu(cpu_seconds: float) -> None:
    soft = math.ceil(_cpu_used() + cpu_seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _limit_memory(memory_mb: int) -> None:
    limit = _mapped_bytes() + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _encode_result(kind: OutcomeKind, value: Any) -> bytes:
    try:
        return pickle.dumps((kind, value))
    except Exception:
        return pickle.dumps(("error", RuntimeError(repr(value))))


def _serve(job_fd: int, result_fd: int, memory_mb: int) -> None:
    """The child's loop: read a job, run it under the CPU limit, send back its outcome."""
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    _limit_memory(memory_mb)
    while True:
        ready, _, _ = select.select([job_fd], [], [], _PARENT_CHECK_SECONDS)
        if not ready:
            if os.getppid() != parent:
                return
            continue
        payload = _read_frame(job_fd, None)
        if payload is None:
            return
        function, args, cpu_seconds = pickle.loads(payload)  # noqa: S301 - our own parent's bytes
        _limit_cpu(cpu_seconds)
        try:
            reply = _encode_result("ok", function(*args))
        except MemoryError:
            reply = _encode_result("memory", None)
        except RecursionError:
            reply = _encode_result("error", RecursionError("expression nested too deeply"))
        except Exception as error:
            reply = _encode_result("error", error)
        _write_frame(result_fd, reply)


class _Child:
    def __init__(self, pid: int, job_fd: int, result_fd: int, memory_mb: int, lane: str) -> None:
        self.pid = pid
        self.job_fd = job_fd
        self.result_fd = result_fd
        self.memory_mb = memory_mb
        self.lane = lane
        self.jobs = 0

    def close_pipes(self) -> None:
        for fd in (self.job_fd, self.result_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.close_pipes()
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _close_inherited_descriptors(*, keep: tuple[int, ...]) -> None:
    """Close every descriptor a new child inherited except stdio and its own pipes.

    The parent may be a web or worker process holding sockets (database connections, a listening
    socket, a client's pipe); a child that kept copies would keep those open after the parent
    closed them, so peers would never see the connection end.
    """
    previous = 2
    for fd in sorted(set(keep)):
        if fd > previous + 1:
            os.closerange(previous + 1, fd)
        previous = max(previous, fd)
    os.closerange(previous + 1, _max_descriptor())


def _max_descriptor() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return 1 << 20
    return int(soft)


class BoundedPool:
    """Pre-forked children for bounded jobs; safe to share between threads of one process."""

    def __init__(self) -> None:
        self._owner = os.getpid()
        self._lock = threading.Lock()
        self._idle: list[_Child] = []
        self._live: set[_Child] = set()

    @property
    def owner(self) -> int:
        return self._owner

    def _fork(self, memory_mb: int, lane: str) -> _Child:
        job_read, job_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                os.close(job_write)
                os.close(result_read)
                _close_inherited_descriptors(keep=(job_read, result_write))
                _serve(job_read, result_write, memory_mb)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(job_read)
        os.close(result_write)
        child = _Child(pid, job_write, result_read, memory_mb, lane)
        with self._lock:
            self._live.add(child)
        return child

    def _take(self, memory_mb: int, lane: str) -> _Child:
        with self._lock:
            for index, child in enumerate(self._idle):
                if child.memory_mb == memory_mb and child.lane == lane:
                    return self._idle.pop(index)
        return self._fork(memory_mb, lane)

    def _give_back(self, child: _Child) -> None:
        with self._lock:
            if child.jobs < JOBS_PER_CHILD and len(self._idle) < MAX_IDLE_CHILDREN:
                self._idle.append(child)
                return
            self._live.discard(child)
        child.kill()

    def _discard(self, child: _Child) -> None:
        with self._lock:
            self._live.discard(child)
        child.kill()

    def warm(self, memory_mb: int | None = None, lane: str = "general") -> None:
        """Fork one idle child now so that the first job does not pay for the fork."""
        child = self._fork(memory_mb or memory_budget(), lane)
        self._give_back(child)

    def run(
        self,
        function: Callable[..., Any],
        args: tuple[Any, ...] = (),
        *,
        cpu_seconds: float | None = None,
        memory_mb: int | None = None,
        lane: str = "general",
    ) -> Outcome:
        """Run ``function(*args)`` in a child; every failure comes back as an :class:`Outcome`.

        Children are kept per ``lane`` so that one kind of job (grading answers, generating
        template variants) keeps its own warm SymPy cache and never inherits state another kind
        of job left behind.
        """
        cpu = cpu_seconds if cpu_seconds is not None else cpu_budget()
        memory = memory_mb if memory_mb is not None else memory_budget()
        payload = pickle.dumps((function, args, cpu))
        started = time.monotonic()
        for attempt in range(2):
            child = self._take(memory, lane)
            try:
                _write_frame(child.job_fd, payload)
            except OSError:
                # A child that died while idle (killed from outside) is replaced once.
                self._discard(child)
                if attempt == 0:
                    continue
                return Outcome("timeout", elapsed_ms=(time.monotonic() - started) * 1000)
            reply = _read_frame(child.result_fd, started + wall_deadline(cpu))
            elapsed_ms = (time.monotonic() - started) * 1000
            if reply is None:
                self._discard(child)
                return Outcome("timeout", elapsed_ms=elapsed_ms)
            child.jobs += 1
            kind, value = pickle.loads(reply)  # noqa: S301 - our own child's bytes
            if kind == "memory":
                self._discard(child)
            else:
                self._give_back(child)
            return Outcome(kind, value, elapsed_ms)
        return Outcome("timeout")

    def abandon(self) -> None:
        """Close inherited pipes in a forked copy of the owner process without killing anything."""
        for child in list(self._live):
            child.close_pipes()
        self._live.clear()
        self._idle.clear()

    def close(self) -> None:
        """Stop every child of this pool."""
        with self._lock:
            children = list(self._live)
            self._live.clear()
            self._idle.clear()
        for child in children:
            child.kill()


_pool: BoundedPool | None = None
_pool_lock = threading.Lock()


def get_pool() -> BoundedPool:
    """This process's pool, built on first use and rebuilt after a fork."""
    global _pool
    pool = _pool
    if pool is not None and pool.owner == os.getpid():
        return pool
    with _pool_lock:
        if _pool is not None and _pool.owner != os.getpid():
            _pool.abandon()
            _pool = None
        if _pool is None:
            _pool = BoundedPool()
        return _pool


def _forget_pool_after_fork() -> None:
    global _pool, _pool_lock
    _pool_lock = threading.Lock()
    if _pool is not None:
        _pool.abandon()
        _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def run_bounded(
    function: Callable[..., Any],
    *args: Any,
    cpu_seconds: float | None = None,
    memory_mb: int | None = None,
) -> Any:
    """Return ``function(*args)`` computed under the CPU and memory budget.

    The function and its arguments must be picklable (a module-level function). Raises
    :class:`BoundedTimeout` when the budget runs out or the child dies, :class:`BoundedMemoryError`
    when it needs more memory, and re-raises any exception the function raised.
    """
    outcome = get_pool().run(function, args, cpu_seconds=cpu_seconds, memory_mb=memory_mb)
    if outcome.kind == "ok":
        return outcome.value
    if outcome.kind == "memory":
        raise BoundedMemoryError("the computation needed more memory than its budget")
    if outcome.kind == "timeout":
        raise BoundedTimeout("the computation ran out of time")
    error = outcome.value
    if isinstance(error, BaseException):
        raise error
    raise RuntimeError(str(error))
