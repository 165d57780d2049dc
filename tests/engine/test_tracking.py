"""New-mail and unread bookkeeping: baselines, announcements, acknowledgements, storms, pruning."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pop3_mail.tracking import MailTracker, TrackingOptions, TrackingState

DAY = 24 * 3600.0


def tracker(**options: object) -> MailTracker:
    return MailTracker(TrackingState(), TrackingOptions(**options))  # type: ignore[arg-type]


def test_first_listing_is_a_silent_baseline() -> None:
    mail = tracker()
    result = mail.reconcile(["a", "b", "c"], now=0)
    assert result.baseline
    assert result.new_uids == ()
    assert mail.unread(["a", "b", "c"]) == 0


def test_baseline_can_count_existing_mail_as_unread() -> None:
    mail = tracker(count_existing_as_unread=True)
    assert mail.reconcile(["a", "b"], now=0).new_uids == ()
    assert mail.unread(["a", "b"]) == 2


def test_baseline_can_announce_existing_mail() -> None:
    mail = tracker(announce_existing=True)
    result = mail.reconcile(["a", "b", "a"], now=0)
    assert result.baseline
    assert result.new_uids == ("a", "b")


def test_new_uids_are_reported_until_announced() -> None:
    mail = tracker()
    mail.reconcile(["a"], now=0)
    assert mail.reconcile(["a", "b", "c"], now=1).new_uids == ("b", "c")
    assert mail.unread(["a", "b", "c"]) == 2  # not yet announced, still unread
    mail.mark_announced(["c"])
    assert mail.reconcile(["a", "b", "c"], now=2).new_uids == ("b",)
    mail.mark_announced(["b"])
    assert mail.reconcile(["a", "b", "c"], now=3).new_uids == ()
    assert mail.unread(["a", "b", "c"]) == 2


def test_forget_undoes_an_announcement() -> None:
    mail = tracker()
    mail.reconcile([], now=0)
    mail.reconcile(["a"], now=1)
    mail.mark_announced(["a"])
    mail.forget(["a"])
    assert mail.reconcile(["a"], now=2).new_uids == ("a",)


def test_acknowledge_one_or_all() -> None:
    mail = tracker()
    mail.reconcile([], now=0)
    listing = ["a", "b", "c"]
    mail.reconcile(listing, now=1)
    mail.mark_announced(listing)
    assert mail.acknowledge(listing, "b")
    assert mail.unread(listing) == 2
    assert not mail.acknowledge(listing, "b")  # nothing changed
    assert not mail.acknowledge(listing, "zzz")  # not on the server
    assert mail.acknowledge(listing)
    assert mail.unread(listing) == 0


def test_duplicate_uids_count_as_messages() -> None:
    mail = tracker()
    mail.reconcile([], now=0)
    listing = ["dup", "dup"]
    assert mail.reconcile(listing, now=1).new_uids == ("dup",)
    mail.mark_announced(["dup"])
    assert mail.unread(listing) == 2


def test_vanished_uids_are_forgotten_after_the_grace_period() -> None:
    mail = tracker(vanished_grace=DAY)
    mail.reconcile(["a", "b"], now=0)
    mail.reconcile(["b"], now=10)
    assert "a" in mail.state.seen
    # Coming back within the grace period: not new.
    assert mail.reconcile(["a", "b"], now=20).new_uids == ()
    mail.reconcile(["b"], now=30)
    mail.reconcile(["b"], now=30 + DAY + 1)
    assert "a" not in mail.state.seen
    assert mail.reconcile(["a", "b"], now=40 + DAY).new_uids == ("a",)


def test_acknowledgement_survives_a_short_disappearance() -> None:
    mail = tracker()
    mail.reconcile([], now=0)
    mail.reconcile(["a"], now=1)
    mail.mark_announced(["a"])
    mail.acknowledge(["a"], "a")
    mail.reconcile([], now=2)
    mail.reconcile(["a"], now=3)
    assert mail.unread(["a"]) == 0


def test_uidl_storm_rebaselines_instead_of_announcing() -> None:
    mail = tracker()
    old = [f"old{n}" for n in range(50)]
    mail.reconcile(old, now=0)
    new = [f"new{n}" for n in range(50)]
    result = mail.reconcile(new, now=1)
    assert result.storm
    assert result.new_uids == ()
    assert mail.unread(new) == 0
    assert set(mail.state.seen) == set(new)


def test_ordinary_churn_is_not_a_storm() -> None:
    mail = tracker()
    old = [f"m{n}" for n in range(50)]
    mail.reconcile(old, now=0)
    # The user deleted 30 messages elsewhere and 20 new ones arrived.
    current = old[30:] + [f"x{n}" for n in range(20)]
    result = mail.reconcile(current, now=1)
    assert not result.storm
    assert len(result.new_uids) == 20


def test_small_mailboxes_never_trigger_the_storm_guard() -> None:
    mail = tracker(storm_min_messages=10)
    mail.reconcile(["a", "b"], now=0)
    result = mail.reconcile(["c", "d"], now=1)
    assert not result.storm
    assert result.new_uids == ("c", "d")


def test_state_round_trips_through_json() -> None:
    mail = tracker()
    mail.reconcile(["a", "b"], now=0)
    mail.reconcile(["b", "c"], now=5)
    mail.mark_announced(["c"])
    mail.state.pending_deletion.add("b")
    mail.state.latest = {"uid": "c"}
    data = mail.state.to_json()
    restored = TrackingState.from_json(data)
    assert restored == mail.state
    assert restored.to_json() == data


@pytest.mark.parametrize(
    "data", [None, [], {"version": 99}, {"version": 1, "latest": "not a dict"}, "garbage"]
)
def test_unknown_state_gives_a_fresh_start(data: object) -> None:
    state = TrackingState.from_json(data)  # type: ignore[arg-type]
    assert not state.seen
    assert state.latest is None


@pytest.mark.parametrize(
    "data",
    [
        {"version": 1, "acknowledged": 5},
        {"version": 1, "unacknowledged": None},
        {"version": 1, "acknowledged": "abc"},
        {"version": 1, "acknowledged": [["nested"]]},
        {"version": 1, "missing_since": []},
        {"version": 1, "missing_since": {"a": "soon"}},
        {"version": 1, "pending_deletion": None},
        {"version": 1, "baseline_done": "no"},
    ],
)
def test_damaged_state_of_the_right_version_gives_a_fresh_start(
    data: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    state = TrackingState.from_json({"baseline_done": True, "acknowledged": ["a"], **data})
    assert state == TrackingState()
    assert "damaged" in caplog.text


@given(
    polls=st.lists(
        st.lists(st.sampled_from([f"u{n}" for n in range(12)]), max_size=12), min_size=1, max_size=8
    )
)
def test_nothing_is_announced_twice_and_unread_never_exceeds_the_listing(
    polls: list[list[str]],
) -> None:
    mail = tracker(storm_min_messages=1000)
    announced: list[str] = []
    for now, listing in enumerate(polls):
        result = mail.reconcile(listing, now=float(now))
        assert not set(result.new_uids) & set(announced)
        mail.mark_announced(result.new_uids)
        announced.extend(result.new_uids)
        assert 0 <= mail.unread(listing) <= len(listing)
