"""The credential readings shared by the checks (``verifier.vc``)."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given
from hypothesis import strategies as st

from verifier.vc import stamp

offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)


@given(
    moment=st.datetimes(
        min_value=dt.datetime(2, 1, 1), max_value=dt.datetime(9999, 12, 30), timezones=offsets
    )
)
@example(moment=dt.datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=dt.UTC))
@example(moment=dt.datetime(999, 12, 31, 23, 59, 59, tzinfo=dt.UTC))
@example(moment=dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC))
@example(moment=dt.datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=dt.UTC))
@example(moment=dt.datetime(2026, 6, 1, 12, 0, 0, 1))  # naive: local time
def test_stamp_is_isoformat_in_utc_to_the_second(moment):
    expected = moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    assert stamp(moment) == expected
