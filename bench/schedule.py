"""The earliest schedule Xero's limits allow for a given set of calls: the benchmarks' bound.

Xero lets one organisation have at most 5 calls in flight and start at most 60 in a minute
(xero-notes §2). Given the calls a push made, in phases (every call of a phase needs every call of
the phase before it answered: look-ups before the creates that depend on them), each taking the
same time, when can the last answer come back at the earliest?

Starting each call as early as the rules allow, in order, is optimal when every call takes the
same time: the k-th call can start no earlier than
- the (k - concurrent)-th call's answer (a slot must be free),
- the (k - per_window)-th call's start plus the window (at most `per_window` start in any window),
- the previous phase's last answer;
and a schedule that started any call later could only push every later bound back, never forward.
The window is sliding, which is what "at most 60 in any 60 s" means and what BMS's limiter keeps
to (Xero's own windows are fixed, which a lucky reset could beat by a little).
"""

from __future__ import annotations

from collections.abc import Sequence


def earliest_starts(phases: Sequence[int], *, call_s: float, concurrent: int = 5, per_window: int = 60,
                    window_s: float = 60.0) -> list[float]:
    """Each call's earliest start, in order; `phases` holds how many calls each phase makes."""
    if concurrent < 1 or per_window < 1:
        raise ValueError("the limits must allow at least one call")
    starts: list[float] = []
    ready = 0.0  # when the previous phase's last answer is back
    for count in phases:
        if count < 0:
            raise ValueError("a phase cannot make a negative number of calls")
        for _ in range(count):
            k = len(starts)
            at = ready
            if k >= concurrent:
                at = max(at, starts[k - concurrent] + call_s)
            if k >= per_window:
                at = max(at, starts[k - per_window] + window_s)
            starts.append(at)
        if count:
            ready = starts[-1] + call_s  # starts never go down, so the last started ends last
    return starts


def earliest_finish(phases: Sequence[int], *, call_s: float, concurrent: int = 5, per_window: int = 60,
                    window_s: float = 60.0) -> float:
    """Seconds from the first call's start to the last answer, at the earliest (0 with no calls)."""
    starts = earliest_starts(phases, call_s=call_s, concurrent=concurrent, per_window=per_window,
                             window_s=window_s)
    return starts[-1] + call_s if starts else 0.0
