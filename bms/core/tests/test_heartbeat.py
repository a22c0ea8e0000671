"""One beater thread per process runs every holder's beats; a holder's beats stop when its block ends."""

import threading
import time

from bms.core.heartbeat import beating


def _beater_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "heartbeats"]


def test_many_holders_share_one_thread_and_each_beats_at_its_own_pace():
    counts = {"fast": 0, "slow": 0}
    ready = threading.Barrier(9)
    release = threading.Event()

    def hold(name: str, every_s: float) -> None:
        def beat() -> None:
            counts[name] += 1

        with beating(every_s=every_s, beat=beat, name=name):
            ready.wait()
            release.wait()

    holders = [threading.Thread(target=hold, args=("fast" if n % 2 else "slow", 0.05 if n % 2 else 0.2))
               for n in range(8)]
    for holder in holders:
        holder.start()
    ready.wait()
    time.sleep(0.6)
    assert len(_beater_threads()) == 1
    release.set()
    for holder in holders:
        holder.join()
    # Four holders each: fast ones beat ~12 times in 0.6 s, slow ones ~3 times.
    assert counts["fast"] >= 4 * 6
    assert 4 * 2 <= counts["slow"] <= 4 * 4


def test_no_beat_after_the_block_and_a_beat_in_progress_finishes_first():
    started, finished = threading.Event(), threading.Event()
    beats = []

    def slow_beat() -> None:
        beats.append(time.monotonic())
        started.set()
        time.sleep(0.3)
        finished.set()

    with beating(every_s=0.05, beat=slow_beat, name="slow"):
        assert started.wait(2)
    # Leaving the block waited for the running beat (it might renew a lease about to be released).
    assert finished.is_set()
    count = len(beats)
    time.sleep(0.3)
    assert len(beats) == count


def test_a_failing_beat_does_not_stop_the_others():
    good = []

    def bad() -> None:
        raise RuntimeError("database went away")

    with beating(every_s=0.05, beat=bad, name="bad"), beating(every_s=0.05, beat=lambda: good.append(1), name="good"):
        time.sleep(0.4)
    assert len(good) >= 4
