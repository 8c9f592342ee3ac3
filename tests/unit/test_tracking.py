"""Tracking IDs: the check character catches every single mistyped character and every
swap of two neighbours (proved over generated IDs), and IDs never collide."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posko import tracking
from posko.tracking import ALPHABET, TrackingId, TrackingIdError

enrolled_prefixes = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(tracking.ENROLLED_FIRST),
    st.text(alphabet=ALPHABET, min_size=3, max_size=3),
)
provisional_prefixes = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from(tracking.PROVISIONAL_FIRST),
    st.text(alphabet=ALPHABET, min_size=6, max_size=6),
)
prefixes = enrolled_prefixes | provisional_prefixes
sequences = st.integers(min_value=0, max_value=tracking.BASE**6)
payloads = st.text(alphabet=ALPHABET, min_size=1, max_size=tracking.MAX_LENGTH - 1)


def test_alphabet_is_unambiguous_and_prime_sized() -> None:
    assert len(ALPHABET) == 29 == len(set(ALPHABET))
    assert all(n % d for n in [len(ALPHABET)] for d in range(2, n))
    for confusable in "01OILUZ":
        assert confusable not in ALPHABET


@given(prefixes, sequences)
def test_generated_ids_validate_and_round_trip(prefix: str, sequence: int) -> None:
    tid = TrackingId.make(prefix, sequence)
    assert tracking.is_valid(tid.compact)
    assert tracking.parse(str(tid)) == tid.compact
    assert tracking.parse(str(tid).lower().replace("-", " ")) == tid.compact


@settings(max_examples=300)
@given(payloads)
def test_every_single_substitution_is_caught(payload: str) -> None:
    code = payload + tracking.check_character(payload)
    assert tracking.is_valid(code)
    for position in range(len(code)):
        for replacement in ALPHABET:
            if replacement != code[position]:
                mistyped = code[:position] + replacement + code[position + 1 :]
                assert not tracking.is_valid(mistyped), (code, mistyped)


@settings(max_examples=300)
@given(payloads)
def test_every_adjacent_transposition_is_caught(payload: str) -> None:
    code = payload + tracking.check_character(payload)
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not tracking.is_valid(swapped), (code, swapped)


def test_exhaustive_single_errors_on_a_real_id() -> None:
    # Belt and braces next to the property tests: every position, every character.
    code = TrackingId.make("2K7M", 12345).compact
    wrong = [
        code[:i] + ch + code[i + 1 :] for i in range(len(code)) for ch in ALPHABET if ch != code[i]
    ]
    assert len(wrong) == len(code) * 28
    assert not any(tracking.is_valid(w) for w in wrong)


def test_sequence_ids_of_one_device_are_unique_and_short() -> None:
    ids = {TrackingId.make("2K7M", n).compact for n in range(20_000)}
    assert len(ids) == 20_000
    assert {len(i) for i in ids} == {9}
    assert str(TrackingId.make("2K7M", 1)).count("-") == 2


def test_enrolled_and_provisional_prefixes_never_meet() -> None:
    enrolled = {tracking.enrolled_prefix(n) for n in range(0, 195_112, 97)}
    assert all(p[0] in tracking.ENROLLED_FIRST for p in enrolled)
    assert len(enrolled) == len(range(0, 195_112, 97))
    provisional = {tracking.provisional_prefix() for _ in range(2000)}
    assert all(p[0] in tracking.PROVISIONAL_FIRST and len(p) == 7 for p in provisional)
    assert all(tracking.is_prefix(p) for p in enrolled | provisional)
    assert not tracking.is_prefix("K7MQ") and not tracking.is_prefix("2K7MQAB")
    assert not enrolled & provisional
    with pytest.raises(ValueError):
        tracking.enrolled_prefix(195_112)


def test_different_devices_give_different_ids_for_the_same_sequence() -> None:
    assert TrackingId.make("2K7M", 5) != TrackingId.make("2K7N", 5)


def test_provisional_ids_are_twelve_characters_in_four_groups() -> None:
    tid = TrackingId.make("KQ7MXA3", 1)
    assert len(tid.compact) == 12 and str(tid).count("-") == 3
    assert tracking.parse(str(tid)) == tid.compact


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", TrackingIdError.EMPTY),
        ("  - ", TrackingIdError.EMPTY),
        ("2K7-MQA-42O", TrackingIdError.BAD_CHARACTER),
        ("2K7-MQA", TrackingIdError.BAD_LENGTH),
        ("<script>", TrackingIdError.BAD_CHARACTER),
        ("2K7-M22-3F3", TrackingIdError.BAD_CHECK),
    ],
)
def test_bad_ids_say_why(text: str, reason: str) -> None:
    with pytest.raises(TrackingIdError) as caught:
        tracking.parse(text)
    assert caught.value.reason == reason


def test_secret_and_url() -> None:
    secret = tracking.new_secret()
    assert len(secret) == tracking.SECRET_LENGTH and set(secret) <= set(ALPHABET)
    assert tracking.new_secret() != secret
    url = tracking.tracking_url("https://x.go.id/", "2K7M223F2", secret)
    assert url == f"https://x.go.id/t/2K7M223F2?k={secret}"
