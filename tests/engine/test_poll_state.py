"""The persisted poll state: version 2, the migration from version 1, damage; the quick check's
verdicts on the answers it gets."""

from __future__ import annotations

from typing import Any

import pytest

from pop3_mail.listing_cache import ListingSnapshot
from pop3_mail.poll_state import PollState
from pop3_mail.pop3 import Reply, ServerProfile
from pop3_mail.pop3.quick_listing import ListingMark, check_requests, judge
from pop3_mail.pop3.responses import parse_status
from pop3_mail.tracking import TrackingState

VERSION_1 = {
    "version": 1,
    "baseline_done": True,
    "acknowledged": ["a"],
    "unacknowledged": ["b"],
    "missing_since": {"gone": 1_750_000_000.0},
    "pending_deletion": [],
    "latest": {"uid": "b"},
}
SOURCE = "ssl://mail.example.org:995/alice"
SNAPSHOT = ListingSnapshot(
    source=SOURCE, uids=("a", "b"), octets=900, last_size=400, listed_at=1_750_000_000.0
)
PROFILE = ServerProfile(
    server="ssl://mail.example.org:995", greeting="Dovecot ready.", capabilities=("TOP", "UIDL")
)


def test_version_1_reads_as_the_same_tracking_without_listing_or_profile() -> None:
    state = PollState.from_json(VERSION_1)

    assert state.tracking == TrackingState.from_json(VERSION_1)
    assert state.tracking.seen == {"a": True, "b": False}
    assert (state.listing, state.server, state.quick_listing) == (None, None, True)
    assert state.to_json()["version"] == 2
    assert {key: state.to_json()[key] for key in VERSION_1 if key != "version"} == {
        key: value for key, value in VERSION_1.items() if key != "version"
    }


def test_version_2_round_trip() -> None:
    state = PollState(
        tracking=TrackingState.from_json(VERSION_1),
        listing=SNAPSHOT,
        quick_listing=False,
        server=PROFILE,
    )

    again = PollState.from_json(state.to_json())

    assert again == state
    assert again.to_json() == state.to_json()


@pytest.mark.parametrize(
    ("listing", "server"),
    [
        ({"uids": "ab"}, {"server": 1}),
        ({**SNAPSHOT.to_json(), "octets": -1}, {**PROFILE.to_json(), "capabilities": [1]}),
        ({**SNAPSHOT.to_json(), "listed_at": True}, []),
        ({**SNAPSHOT.to_json(), "source": None}, None),
    ],
)
def test_damaged_listing_or_profile_is_dropped_not_the_tracking(listing: Any, server: Any) -> None:
    state = PollState.from_json({**VERSION_1, "version": 2, "listing": listing, "server": server})

    assert (state.listing, state.server) == (None, None)
    assert state.tracking.seen == {"a": True, "b": False}


def test_no_listing_without_a_baseline() -> None:
    document = {**VERSION_1, "version": 2, "baseline_done": False, "listing": SNAPSHOT.to_json()}
    assert PollState.from_json(document).listing is None


def test_snapshot_is_usable_for_an_hour_of_its_maildrop_when_every_uid_is_known() -> None:
    listed = SNAPSHOT.listed_at
    assert SNAPSHOT.usable(SOURCE, listed + 3599, {"a", "b"})
    assert not SNAPSHOT.usable(SOURCE, listed + 3600, {"a", "b"})
    assert not SNAPSHOT.usable(SOURCE, listed - 1, {"a", "b"})
    assert not SNAPSHOT.usable(SOURCE, listed, {"a"})
    assert not SNAPSHOT.usable("ssl://mail.example.org:995/bob", listed, {"a", "b"})


MARK = ListingMark(count=2, octets=900, last_uid="b", last_size=400)


def replies(*lines: bytes) -> list[Reply]:
    return [Reply(parse_status(line)) for line in lines]


def test_requests_name_the_last_message() -> None:
    assert [r.line for r in check_requests(MARK)] == ["STAT", "UIDL 2", "LIST 2"]
    empty = ListingMark(count=0, octets=0, last_uid="", last_size=0)
    assert [r.line for r in check_requests(empty)] == ["STAT"]
    assert judge(empty, replies(b"+OK 0 0")).unchanged


@pytest.mark.parametrize(
    ("answers", "unchanged", "unsupported"),
    [
        ((b"+OK 2 900", b"+OK 2 b", b"+OK 2 400"), True, False),
        ((b"+OK 3 900", b"+OK 2 b", b"+OK 2 400"), False, False),  # count
        ((b"+OK 2 901", b"+OK 2 b", b"+OK 2 400"), False, False),  # octets
        ((b"+OK 2 900", b"+OK 2 c", b"+OK 2 400"), False, False),  # last UID
        ((b"+OK 2 900", b"+OK 2 b", b"+OK 2 401"), False, False),  # last size
        ((b"+OK 2 900", b"+OK 1 b", b"+OK 2 400"), False, False),  # another number
        ((b"+OK 2 900", b"-ERR unknown command", b"-ERR unknown command"), False, True),
        ((b"+OK 2 900", b"+OK", b"+OK 2 400"), False, True),  # unreadable
        ((b"-ERR no", b"+OK 2 b", b"+OK 2 400"), False, False),
        ((b"+OK two", b"+OK 2 b", b"+OK 2 400"), False, False),
        ((b"+OK 2 900",), False, False),  # stopped after STAT
    ],
)
def test_verdicts(answers: tuple[bytes, ...], unchanged: bool, unsupported: bool) -> None:
    verdict = judge(MARK, replies(*answers))
    assert (verdict.unchanged, verdict.unsupported) == (unchanged, unsupported)
