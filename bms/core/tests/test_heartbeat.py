"""One beater thread per process runs every holder's beats; a holder's beats stop when its block ends.

Time is a manual clock the tests move on themselves: no sleeping, and exact beat counts."""

import threading

from bms.core.heartbeat import Beater, beating


class ManualClock:
    """A clock that moves only when the test says so.

    `advance` returns once the beater has run every beat due by the new time and waits again; the
    beater waits on its condition until notified (there is no real timeout to run out)."""

    def __init__(self) -> None:
        self._now = 0.0
        self._condition: threading.Condition | None = None
        self._is_idle = False
        self._started = threading.Event()

    def now(self) -> float:
        return self._now

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        self._condition, self._is_idle = condition, True
        self._started.set()
        condition.notify_all()  # wakes `advance`
        condition.wait()

    def advance(self, seconds: float = 0.0) -> None:
        assert self._started.wait(5), "the beater never started"
        condition = self._condition
        with condition:
            # Under the beater's own lock: it cannot read the old time and then miss the wake-up.
            self._now += seconds
            self._is_idle = False
            condition.notify_all()
            while not self._is_idle:
                assert condition.wait(5), "the beater did not settle"


def _beater_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == "heartbeats"}


def test_many_holders_share_one_thread_and_each_beats_at_its_own_pace():
    clock, before = ManualClock(), _beater_threads()
    beater = Beater(clock, close_connection=lambda: None)
    counts = {"fast": 0, "slow": 0}
    ready = threading.Barrier(9)
    release = threading.Event()

    def hold(name: str, every_s: float) -> None:
        def beat() -> None:
            counts[name] += 1

        with beater.beating(every_s=every_s, beat=beat, name=name):
            ready.wait()
            release.wait()

    holders = [threading.Thread(target=hold, args=("fast", 1) if n % 2 else ("slow", 4)) for n in range(8)]
    for holder in holders:
        holder.start()
    ready.wait()
    for _ in range(12):
        clock.advance(1)
    assert _beater_threads() - before == {beater._thread}
    release.set()
    for holder in holders:
        holder.join()
    # Four holders each, over 12 seconds: the fast ones beat every second, the slow ones every 4.
    assert counts == {"fast": 4 * 12, "slow": 4 * 3}


def test_leaving_the_block_waits_for_a_beat_in_progress_and_no_beat_follows():
    clock, closed = ManualClock(), []
    beater = Beater(clock, close_connection=lambda: closed.append(1))
    entered, leave = threading.Event(), threading.Event()
    order = []

    def slow_beat() -> None:
        order.append("beat started")
        with beater._wake:
            leave.set()  # the holder's block ends while this beat runs…
            while beater._beats:  # …and this beat goes on until the holder is waiting in remove()
                beater._wake.wait()
        order.append("beat finished")

    def hold() -> None:
        with beater.beating(every_s=1, beat=slow_beat, name="slow"):
            entered.set()
            leave.wait()
        order.append("left")

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(5)
    clock.advance(1)
    holder.join()
    # Leaving the block waited for the running beat (it might renew a lease about to be released).
    assert order == ["beat started", "beat finished", "left"]
    clock.advance(10)
    assert order.count("beat started") == 1
    assert closed == [1]  # idle: the beater's connection is closed


def test_a_failing_beat_does_not_stop_the_others_and_closes_the_connection():
    clock, closed, good = ManualClock(), [], []
    beater = Beater(clock, close_connection=lambda: closed.append(1))

    def bad() -> None:
        raise RuntimeError("database went away")

    with (beater.beating(every_s=1, beat=bad, name="bad"),
          beater.beating(every_s=1, beat=lambda: good.append(1), name="good")):
        for _ in range(4):
            clock.advance(1)
    assert len(good) == 4
    assert len(closed) == 4  # a fresh connection after each failure
    clock.advance()
    assert len(closed) == 5  # and none held once nothing beats


def test_the_process_beater_runs_on_the_monotonic_clock():
    beat = threading.Event()
    with beating(every_s=0.01, beat=beat.set, name="real"):
        assert beat.wait(5)
