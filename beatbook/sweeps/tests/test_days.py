"""Plain tests of the observation day arithmetic (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from beatbook.sweeps import days

D = dt.date
UTC = dt.UTC


def shanghai(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, s, tzinfo=days.ZONE)


def test_local_date_turns_at_midnight_shanghai() -> None:
    # 15:59:59 UTC is 23:59:59 in Shanghai, 16:00 UTC is 00:00 the next day
    assert days.local_date(dt.datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)) == D(2026, 3, 1)
    assert days.local_date(dt.datetime(2026, 3, 1, 16, 0, 0, tzinfo=UTC)) == D(2026, 3, 2)
    with pytest.raises(ValueError):
        days.local_date(dt.datetime(2026, 3, 1, 12))


def test_check_days_are_shanghai_days() -> None:
    got = days.check_days(
        [dt.datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC), dt.datetime(2026, 3, 1, 16, tzinfo=UTC)]
    )
    assert got == {D(2026, 3, 1), D(2026, 3, 2)}


def test_period_end_counts_the_first_day() -> None:
    assert days.period_end(D(2026, 3, 1), 14) == D(2026, 3, 14)
    assert days.period_end(D(2026, 3, 1), 1) == D(2026, 3, 1)
    assert days.period_length(D(2026, 3, 1), D(2026, 3, 14)) == 14
    with pytest.raises(ValueError):
        days.period_end(D(2026, 3, 1), 0)


def test_extension_needs_no_reason() -> None:
    assert (
        days.period_change(
            start=D(2026, 3, 1), end=D(2026, 3, 14), new_end=D(2026, 3, 21), reason=""
        )
        == days.EXTEND
    )


def test_shortening_needs_a_reason() -> None:
    with pytest.raises(days.PeriodError) as exc:
        days.period_change(
            start=D(2026, 3, 1), end=D(2026, 3, 14), new_end=D(2026, 3, 7), reason=" "
        )
    assert exc.value.code == "reason_required"
    assert (
        days.period_change(
            start=D(2026, 3, 1), end=D(2026, 3, 14), new_end=D(2026, 3, 7), reason="核酸阴性"
        )
        == days.SHORTEN
    )


@pytest.mark.parametrize(
    ("new_end", "code"),
    [
        (D(2026, 3, 14), "unchanged"),
        (D(2026, 2, 28), "before_start"),
        (D(2026, 3, 1) + dt.timedelta(days=days.MAX_DAYS), "too_long"),
    ],
)
def test_period_changes_refused(new_end: dt.date, code: str) -> None:
    with pytest.raises(days.PeriodError) as exc:
        days.period_change(start=D(2026, 3, 1), end=D(2026, 3, 14), new_end=new_end, reason="x")
    assert exc.value.code == code


def test_shortening_to_the_first_day_is_allowed() -> None:
    assert (
        days.period_change(
            start=D(2026, 3, 1), end=D(2026, 3, 14), new_end=D(2026, 3, 1), reason="误报"
        )
        == days.SHORTEN
    )
    longest = D(2026, 3, 1) + dt.timedelta(days=days.MAX_DAYS - 1)
    assert (
        days.period_change(start=D(2026, 3, 1), end=D(2026, 3, 14), new_end=longest, reason="")
        == days.EXTEND
    )


START, END = D(2026, 3, 1), D(2026, 3, 14)


def standing(checked: set[dt.date], today: dt.date) -> days.Standing:
    return days.standing(start=START, end=END, checked=checked, today=today)


def test_today_without_a_check_is_not_missed_yet() -> None:
    s = standing(set(), D(2026, 3, 1))
    assert s.missed == () and s.streak == 0 and s.state == days.ACTIVE
    assert s.day_number == 1 and s.days == 14 and not s.checked_today


def test_a_day_without_a_check_is_missed_from_the_next_day() -> None:
    s = standing(set(), D(2026, 3, 2))
    assert s.missed == (D(2026, 3, 1),) and s.streak == 1


def test_lost_after_three_missed_days_in_a_row() -> None:
    checked = {D(2026, 3, 1)}
    assert standing(checked, D(2026, 3, 4)).state == days.ACTIVE  # 2nd, 3rd missed
    lost = standing(checked, D(2026, 3, 5))  # 2nd, 3rd, 4th missed
    assert lost.state == days.LOST and lost.lost and lost.streak == 3
    assert lost.missed == (D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 4))


def test_lost_at_the_shanghai_day_boundary() -> None:
    checked = days.check_days([shanghai(2026, 3, 1, 9)])

    def at(moment: dt.datetime) -> days.Standing:
        return standing(checked, days.local_date(moment))

    # 23:59:59 on the 4th (Shanghai) = 15:59:59 UTC: the 4th is still open
    assert at(dt.datetime(2026, 3, 4, 15, 59, 59, tzinfo=UTC)).state == days.ACTIVE
    # 00:00 on the 5th (Shanghai) = 16:00 UTC on the 4th: three days missed
    assert at(dt.datetime(2026, 3, 4, 16, 0, 0, tzinfo=UTC)).state == days.LOST


def test_a_check_late_in_the_evening_counts_for_that_day() -> None:
    # 23:30 Shanghai on the 4th is 15:30 UTC: the 4th is checked
    checked = days.check_days(
        [shanghai(2026, 3, 1, 9), dt.datetime(2026, 3, 4, 15, 30, tzinfo=UTC)]
    )
    s = standing(checked, D(2026, 3, 5))
    assert s.state == days.ACTIVE and s.streak == 0
    assert s.missed == (D(2026, 3, 2), D(2026, 3, 3))


def test_a_check_today_ends_the_streak() -> None:
    checked = {D(2026, 3, 1), D(2026, 3, 5)}
    s = standing(checked, D(2026, 3, 5))
    assert s.state == days.ACTIVE and s.streak == 0 and s.checked_today
    assert len(s.missed) == 3  # the missed days stay on the record


def test_three_missed_days_not_in_a_row_do_not_lose_anyone() -> None:
    checked = {D(2026, 3, 1), D(2026, 3, 3), D(2026, 3, 5), D(2026, 3, 7)}
    s = standing(checked, D(2026, 3, 8))
    assert len(s.missed) == 3 and s.streak == 0 and s.state == days.ACTIVE


def test_upcoming_and_finished() -> None:
    assert standing(set(), D(2026, 2, 28)).state == days.UPCOMING
    assert standing(set(), D(2026, 2, 28)).day_number == 0
    every_day = set(days.days_between(START, END))
    done = standing(every_day, D(2026, 3, 20))
    assert done.state == days.FINISHED and done.missed == () and done.day_number == 14


def test_lost_at_the_end_of_the_period_stays_lost() -> None:
    checked = set(days.days_between(START, D(2026, 3, 11)))
    s = standing(checked, D(2026, 4, 1))
    assert s.state == days.LOST and s.missed == (D(2026, 3, 12), D(2026, 3, 13), D(2026, 3, 14))


def test_checks_outside_the_period_do_not_count() -> None:
    s = days.standing(
        start=START, end=D(2026, 3, 3), checked={D(2026, 2, 28), D(2026, 3, 4)}, today=D(2026, 3, 4)
    )
    assert s.state == days.LOST and s.streak == 3


def test_an_extended_period_takes_its_new_days_into_account() -> None:
    checked = set(days.days_between(START, END))
    assert days.standing(start=START, end=END, checked=checked, today=D(2026, 3, 18)).state == (
        days.FINISHED
    )
    extended = days.standing(start=START, end=D(2026, 3, 21), checked=checked, today=D(2026, 3, 18))
    assert extended.state == days.LOST and extended.missed == (
        D(2026, 3, 15),
        D(2026, 3, 16),
        D(2026, 3, 17),
    )


def test_progress_against_the_target() -> None:
    rows = days.progress(
        start=D(2026, 3, 1),
        end=D(2026, 3, 10),
        today=D(2026, 3, 3),
        reached={D(2026, 3, 1): 210, D(2026, 3, 3): 150, D(2026, 3, 9): 5},
        target=200,
    )
    assert [(r.day.day, r.reached, r.total, r.met) for r in rows] == [
        (1, 210, 210, True),
        (2, 0, 210, False),
        (3, 150, 360, False),
    ]
    no_target = days.progress(
        start=D(2026, 3, 1), end=D(2026, 3, 1), today=D(2026, 3, 5), reached={}, target=None
    )
    assert [(r.reached, r.met) for r in no_target] == [(0, None)]


def test_day_strip() -> None:
    strip = days.day_strip(
        start=D(2026, 3, 1),
        end=D(2026, 3, 5),
        checked={D(2026, 3, 1), D(2026, 3, 3)},
        today=D(2026, 3, 4),
    )
    assert [(s.day.day, s.state) for s in strip] == [
        (1, "checked"),
        (2, "missed"),
        (3, "checked"),
        (4, "today"),
        (5, "later"),
    ]
