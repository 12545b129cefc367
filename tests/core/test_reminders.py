"""When a reminder is due: reminder times, quiet hours, snooze, sessions done, and clocks that jump or are unset."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from voicecoach.core.reminders import EARLIEST_CLOCK, QuietHours, Reminders, ReminderSettings, parse_clock

BERLIN = ZoneInfo("Europe/Berlin")  # summer time from 2027-03-28 02:00 to 2027-10-31 03:00
TWICE = ReminderSettings((time(8), time(18)))
QUIET = QuietHours(time(22), time(7))


def at(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    """A local time in `zone`, "2027-03-01 08:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def minutes(start: datetime, end: datetime) -> list[datetime]:
    """Every minute from `start` to `end`, as instants in start's zone (wall times may repeat or skip)."""
    out, moment = [], start.astimezone(UTC)
    while moment <= end.astimezone(UTC):
        out.append(moment.astimezone(start.tzinfo))
        moment += timedelta(minutes=1)
    return out


def said_at(reminders: Reminders, start: datetime, end: datetime) -> list[str]:
    """Run the minutes from start to end as the loop would: each reminder that falls due is said; their wall times."""
    said = []
    for moment in minutes(start, end):
        if reminders.due(moment):
            reminders.reminded(moment)
            said.append(moment.strftime("%d %H:%M"))
    return said


def test_no_times_no_reminder() -> None:
    assert said_at(Reminders(ReminderSettings()), at("2027-03-01 00:00"), at("2027-03-03 00:00")) == []


def test_twice_a_day_once_each() -> None:
    said = said_at(Reminders(TWICE, last_session=at("2027-02-28 18:30")), at("2027-03-01 07:00"),
                   at("2027-03-02 19:00"))
    assert said == ["01 08:00", "01 18:00", "02 08:00", "02 18:00"]


def test_started_after_a_reminder_time_it_says_the_latest_once() -> None:
    # The service starts at 12:30 with no session today: the 08:00 slot is said at once, the 18:00 one later. With
    # no quiet hours, a coach started at 07:00 says the evening's before (the person may be awake; quiet hours say
    # when they are not).
    assert said_at(Reminders(TWICE), at("2027-03-01 12:30"), at("2027-03-01 23:00")) == ["01 12:30", "01 18:00"]
    assert said_at(Reminders(TWICE), at("2027-03-01 07:00"), at("2027-03-01 07:01")) == ["01 07:00"]


def test_a_session_after_the_reminder_time_answers_it() -> None:
    reminders = Reminders(TWICE, last_session=at("2027-03-01 09:15"))
    assert not reminders.due(at("2027-03-01 09:30"))
    assert not reminders.due(at("2027-03-01 17:59"))
    assert reminders.due(at("2027-03-01 18:00"))  # the evening one is still due


def test_a_session_in_the_hour_before_a_reminder_time_counts_for_it() -> None:
    assert not Reminders(TWICE, last_session=at("2027-03-01 07:10")).due(at("2027-03-01 08:00"))
    assert Reminders(TWICE, last_session=at("2027-03-01 06:50")).due(at("2027-03-01 08:00"))


def test_session_done_is_remembered() -> None:
    reminders = Reminders(TWICE)
    assert reminders.due(at("2027-03-01 08:00"))
    reminders.session_done(at("2027-03-01 08:20"))
    reminders.session_done(at("2027-02-01 08:20"))  # an older one never hides the latest
    assert not reminders.due(at("2027-03-01 08:30"))
    assert reminders.due(at("2027-03-01 18:00"))


def test_midnight_reminder_and_the_day_before() -> None:
    reminders = Reminders(ReminderSettings((time(0, 0), time(23, 59))), last_session=at("2027-03-01 09:00"))
    assert said_at(reminders, at("2027-03-01 23:58"), at("2027-03-02 00:01")) == ["01 23:59", "02 00:00"]
    # Just after midnight the slot that matters may be yesterday's.
    late = Reminders(ReminderSettings((time(23, 30),)))
    assert late.slot(at("2027-03-02 00:10")) == at("2027-03-01 23:30").astimezone(UTC)
    assert late.due(at("2027-03-02 00:10"))


def test_quiet_hours_spanning_midnight() -> None:
    assert QUIET.contains(time(23)) and QUIET.contains(time(0)) and QUIET.contains(time(6, 59))
    assert not QUIET.contains(time(7)) and not QUIET.contains(time(21, 59))
    day = QuietHours(time(12), time(14))
    assert day.contains(time(13)) and not day.contains(time(14)) and not day.contains(time(11))


def test_a_reminder_in_quiet_hours_waits_for_their_end() -> None:
    # The coach starts in the night, after an evening with no session: quiet hours have overtaken that reminder.
    # ReminderSettings refuses a time in quiet hours; the decision still holds for one (a settings object built
    # by hand, or quiet hours changed under a running coach).
    settings = ReminderSettings((time(6, 30), time(18)))
    object.__setattr__(settings, "quiet", QUIET)
    reminders = Reminders(settings, last_session=at("2027-03-01 08:30"))
    assert said_at(reminders, at("2027-03-01 23:00"), at("2027-03-02 09:00")) == ["02 07:00"]


def test_an_evening_reminder_overtaken_by_quiet_hours_is_dropped() -> None:
    reminders = Reminders(ReminderSettings((time(21, 30),), quiet=QUIET))
    assert said_at(reminders, at("2027-03-01 22:05"), at("2027-03-02 12:00")) == []
    # Said, then snoozed into quiet hours: dropped too.
    reminders = Reminders(ReminderSettings((time(21, 45),), quiet=QUIET))
    assert reminders.due(at("2027-03-01 21:45"))
    reminders.reminded(at("2027-03-01 21:45"))
    reminders.snoozed(at("2027-03-01 21:46"))
    assert said_at(reminders, at("2027-03-01 21:47"), at("2027-03-02 12:00")) == []


def test_snooze_then_due_again_once() -> None:
    reminders = Reminders(TWICE, last_session=at("2027-02-28 19:00"))
    assert said_at(reminders, at("2027-03-01 07:59"), at("2027-03-01 08:00")) == ["01 08:00"]
    reminders.snoozed(at("2027-03-01 08:01"))
    assert reminders.next_check(at("2027-03-01 08:02")) == at("2027-03-01 08:31").astimezone(UTC)
    assert said_at(reminders, at("2027-03-01 08:02"), at("2027-03-01 17:00")) == ["01 08:31"]


def test_snooze_then_a_session_means_no_reminder() -> None:
    reminders = Reminders(TWICE)
    reminders.reminded(at("2027-03-01 08:00"))
    reminders.snoozed(at("2027-03-01 08:00"))
    reminders.session_done(at("2027-03-01 08:20"))
    assert said_at(reminders, at("2027-03-01 08:21"), at("2027-03-01 17:59")) == []


def test_snooze_with_nothing_said_does_nothing() -> None:
    reminders = Reminders(TWICE, last_session=at("2027-03-01 08:10"))
    reminders.snoozed(at("2027-03-01 09:00"))
    assert said_at(reminders, at("2027-03-01 09:00"), at("2027-03-01 17:59")) == []


def test_never_on_an_unset_clock() -> None:
    # A Pi with no battery clock boots at 1970; NTP then sets the clock and the reminder due then is said.
    reminders = Reminders(TWICE)
    assert not reminders.due(datetime(1970, 1, 1, 8, 0, tzinfo=UTC))
    assert not reminders.due(EARLIEST_CLOCK - timedelta(seconds=1))
    assert reminders.due(at("2027-03-01 08:30"))


def test_a_clock_behind_the_journal_is_not_trusted() -> None:
    # The journal holds a session from a later time than now: the clock is wrong (or was, when it was written).
    reminders = Reminders(TWICE, last_session=at("2027-03-05 08:30"))
    assert not reminders.due(at("2027-03-01 18:00"))


def test_a_clock_set_back_never_says_a_slot_again() -> None:
    reminders = Reminders(TWICE)
    assert said_at(reminders, at("2027-03-01 08:00"), at("2027-03-01 08:05")) == ["01 08:00"]
    # NTP corrects a clock that ran ahead: yesterday evening's slot is older than the one said.
    assert said_at(reminders, at("2027-03-01 07:40"), at("2027-03-01 08:10")) == []


def test_a_clock_jumping_forward_says_the_latest_slot_once() -> None:
    reminders = Reminders(TWICE)
    assert said_at(reminders, at("2027-03-01 09:00"), at("2027-03-01 09:00")) == ["01 09:00"]
    assert said_at(reminders, at("2027-03-03 20:00"), at("2027-03-03 20:05")) == ["03 20:00"]


def test_summer_time_begins() -> None:
    # 2027-03-28 in Berlin: 02:00 becomes 03:00. A 02:30 reminder does not exist that day: it is said once, at
    # 02:30 winter time (03:30 summer time), as Python reads a wall time that was skipped.
    reminders = Reminders(ReminderSettings((time(2, 30), time(8))), last_session=at("2027-03-27 09:00"))
    assert said_at(reminders, at("2027-03-28 01:00"), at("2027-03-28 09:00")) == ["28 03:30", "28 08:00"]


def test_summer_time_ends() -> None:
    # 2027-10-31 in Berlin: 03:00 becomes 02:00 again, so 02:30 happens twice. Said once.
    reminders = Reminders(ReminderSettings((time(2, 30), time(8))), last_session=at("2027-10-30 09:00"))
    assert said_at(reminders, at("2027-10-31 01:00"), at("2027-10-31 09:00")) == ["31 02:30", "31 08:00"]


def test_summer_time_ends_on_a_clock_with_a_fixed_offset() -> None:
    # What datetime.now().astimezone() gives carries today's UTC offset only: after the change, yesterday's 18:00 is
    # placed an hour later than it was. It is the slot said all the same.
    summer, winter = ZoneInfo("Etc/GMT-2"), ZoneInfo("Etc/GMT-1")
    reminders = Reminders(TWICE, last_session=at("2027-10-30 09:00"))
    assert reminders.due(at("2027-10-30 18:00", summer))
    reminders.reminded(at("2027-10-30 18:00", summer))
    assert not reminders.due(at("2027-10-31 02:30", winter))
    assert reminders.due(at("2027-10-31 08:00", winter))


def test_next_check() -> None:
    reminders = Reminders(ReminderSettings((time(8), time(18)), quiet=QUIET))
    assert reminders.next_check(at("2027-03-01 08:00")) == at("2027-03-01 18:00").astimezone(UTC)
    assert reminders.next_check(at("2027-03-01 18:30")) == at("2027-03-02 07:00").astimezone(UTC)
    assert reminders.next_check(at("2027-03-02 07:00")) == at("2027-03-02 08:00").astimezone(UTC)
    assert Reminders(ReminderSettings()).next_check(at("2027-03-01 08:00")) is None


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        Reminders(TWICE).due(datetime(2027, 3, 1, 8))


@pytest.mark.parametrize("text", ["8:00", "24:00", "08:60", "0800", "08:00:00", " 08:00", "", 800, None])
def test_parse_clock_refuses(text: object) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_clock(text)


def test_parse_clock_and_quiet_hours() -> None:
    assert parse_clock("00:00") == time(0) and parse_clock("23:59") == time(23, 59)
    assert QuietHours.parse("22:00-07:00") == QUIET and str(QUIET) == "22:00-07:00"
    for bad, message in (("22:00", "HH:MM-HH:MM"), ("22:00-22:00", "different"), ("22:00-7:00", "HH:MM"),
                         (["22:00", "07:00"], "HH:MM-HH:MM")):
        with pytest.raises(ValueError, match=message):
            QuietHours.parse(bad)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="twice"):
        ReminderSettings((time(8), time(8)))
    with pytest.raises(ValueError, match="quiet hours 22:00-07:00"):
        ReminderSettings((time(6),), quiet=QUIET)
    with pytest.raises(ValueError, match="5 to 240 minutes"):
        ReminderSettings((time(8),), snooze=timedelta(minutes=1))
