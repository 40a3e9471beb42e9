"""When a pair's next check-in falls: one cadence period on, on a weekday, in working hours.

Computed on the wall clock of the person's own time zone, then turned into UTC, so
a check-in stays at 10:00 for them across daylight-saving changes. The domain
needs this when a mentorship starts; the scheduler uses it for every later one.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.db.enums import Cadence

CHECKIN_HOUR = time(10, 0)  # mid-morning: after the inbox, before the day fills up
_PERIOD = {
    Cadence.WEEKLY: relativedelta(weeks=1),
    Cadence.BIWEEKLY: relativedelta(weeks=2),
    # relativedelta clips Jan 31 + 1 month to Feb 28, where an rrule would skip February.
    Cadence.MONTHLY: relativedelta(months=1),
}


def next_checkin(after: datetime, cadence: Cadence, tz: str) -> datetime:
    """The first working-hour weekday instant one `cadence` period after `after` (UTC)."""
    if after.tzinfo is None:
        raise ValueError("next_checkin needs an aware datetime")
    zone = ZoneInfo(tz)
    local_day = (after.astimezone(zone) + _PERIOD[cadence]).date()
    while local_day.weekday() >= 5:  # Saturday, Sunday
        local_day += timedelta(days=1)
    wall = datetime.combine(local_day, CHECKIN_HOUR)
    return wall.replace(tzinfo=zone).astimezone(UTC)
