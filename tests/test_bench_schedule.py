"""The benchmarks' bound (bench/schedule.py): the earliest schedule Xero's limits allow, on cases
small enough to work out by hand."""

import pytest

from bench.schedule import earliest_finish, earliest_starts


def test_five_calls_go_out_together_and_the_sixth_waits_for_the_first_answer():
    assert earliest_starts([6], call_s=1) == [0, 0, 0, 0, 0, 1]
    assert earliest_finish([6], call_s=1) == 2


def test_the_61st_call_waits_for_the_first_calls_minute_to_pass():
    starts = earliest_starts([61], call_s=1)
    assert starts[59] == 11  # 60 calls, 5 a second
    assert starts[60] == 60


def test_102_calls_at_one_second_take_69_seconds_as_the_issue_works_out():
    # 60 calls by t=11; then 5 a second from t=60: the 102nd starts at 68 and is answered at 69.
    assert earliest_finish([102], call_s=1) == 69


def test_a_phase_waits_for_every_answer_of_the_one_before():
    # 8 look-ups (2 rounds of 5 slots), then 4 creates: 2 s + 1 s.
    assert earliest_starts([8, 4], call_s=1) == [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2]
    assert earliest_finish([8, 4], call_s=1) == 3
    assert earliest_finish([1, 8, 8, 4], call_s=1) == 6


def test_a_phase_of_one_slow_call_holds_up_the_next_even_with_free_slots():
    assert earliest_finish([1, 1, 1], call_s=2) == 6


def test_the_window_binds_across_phases():
    # Two calls a window of 10 s: the third call, in the next phase, waits for the first's window.
    assert earliest_starts([2, 1], call_s=1, per_window=2, window_s=10) == [0, 0, 10]


def test_instant_calls_are_held_only_by_the_window():
    assert earliest_finish([102], call_s=0) == 60
    assert earliest_finish([], call_s=1) == 0
    assert earliest_finish([0, 3], call_s=1) == 1


def test_it_refuses_limits_that_allow_nothing():
    with pytest.raises(ValueError):
        earliest_finish([1], call_s=1, concurrent=0)
