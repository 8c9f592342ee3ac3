"""What the desk's window is drawn from at start, before the database's key is fetched.

The database is encrypted (``desktop.store.cipher``), and fetching its key — from the OS
keyring, or by asking the coordinator's passphrase — is the slowest part of a start (the
``keyring`` package alone takes tens of milliseconds to import). Drawing the window needs
none of the encrypted data: only the post, the language and the look. So whenever the store
reads the desk's context it keeps this card of it beside the database (``start-card.json``),
and the next start draws the window from the card at once. The key is fetched, the store
opened and its context read on the event loop's first turn; a card the database no longer
agrees with (a backup restored, the file replaced) is corrected then, the window rebuilt.

The card holds nothing of the reporters and nothing of the operators (who is on duty comes
from the store, after sign-in): the post's code and name, the device's tracking prefix and
whether it is enrolled, the central system's address and the settings the window is drawn
with. It is read with the standard library alone. A card that is missing, unreadable,
written at another schema revision or not of the expected shape is ignored, and the desk
starts the ordinary way (key, store, then window).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from desktop.domain import PaperSize
from desktop.paths import Profile
from desktop.settings import (
    CENTRAL_URL,
    LANGUAGE,
    PAPER,
    PRINT_ON_SAVE,
    RECEIPT_PRINTER,
    SURVEY_SERVICES,
    TEXT_SIZE,
    THEME,
    TIME_ZONE,
    appearance_of,
    printing_of,
    survey_services_of,
)
from desktop.store import HEAD_REVISION
from desktop.store.context import DeskContext

log = logging.getLogger("posko.store")

FORMAT = "posko.start-card"
MAX_BYTES = 64 * 1024  # a card is a few hundred bytes; anything larger is not one
# The settings the card carries: those the desk context is made of.
OPTIONS = (
    CENTRAL_URL,
    LANGUAGE,
    PAPER,
    TIME_ZONE,
    TEXT_SIZE,
    THEME,
    RECEIPT_PRINTER,
    PRINT_ON_SAVE,
    SURVEY_SERVICES,
)
KEYS = frozenset(option.key for option in OPTIONS)
# Who is on duty is not on the card: the window drawn from it has nobody signed in.
NOBODY = (0, "", "petugas")

_lock = threading.Lock()
_kept: dict[Path, bytes] = {}  # what this process last wrote or found, per card


def card_path(profile: Profile) -> Path:
    return profile.root / "start-card.json"


def without_operator(context: DeskContext) -> DeskContext:
    """``context`` as a card gives it back: nobody on duty."""
    operator_id, name, role = NOBODY
    return replace(context, operator_id=operator_id, operator_name=name, operator_role=role)


def context_of(
    values: dict[str, str],
    post: tuple[int, str, str],
    operator: tuple[int, str, str],
    device: tuple[int, str, bool],
) -> DeskContext:
    """The desk context from its parts as stored: the ``settings`` rows (key → text), the
    post (id, code, name), the operator on duty (id, name, role) and the device (id,
    tracking prefix, enrolled)."""
    return DeskContext(
        post_id=post[0],
        post_code=post[1],
        post_name=post[2],
        operator_id=operator[0],
        operator_name=operator[1],
        device_id=device[0],
        tracking_prefix=device[1],
        enrolled=bool(device[2]),
        central_url=CENTRAL_URL.parse(values.get(CENTRAL_URL.key)),
        language=LANGUAGE.parse(values.get(LANGUAGE.key)),
        paper=PaperSize(PAPER.parse(values.get(PAPER.key))),
        time_zone=TIME_ZONE.parse(values.get(TIME_ZONE.key)),
        appearance=appearance_of(values),
        printing=printing_of(values),
        survey_services=survey_services_of(values),
        operator_role=operator[2],
    )


def _settings_of(context: DeskContext) -> dict[str, str]:
    """The ``settings`` rows ``context`` was read from (those on the card)."""
    return {
        CENTRAL_URL.key: context.central_url,
        LANGUAGE.key: context.language,
        PAPER.key: context.paper.value,
        TIME_ZONE.key: context.time_zone,
        TEXT_SIZE.key: str(context.appearance.text_size),
        THEME.key: context.appearance.theme,
        RECEIPT_PRINTER.key: context.printing.printer,
        PRINT_ON_SAVE.key: PRINT_ON_SAVE.dump(context.printing.on_save),
        SURVEY_SERVICES.key: ",".join(context.survey_services),
    }


def card_of(context: DeskContext) -> bytes:
    """The card's bytes for ``context``."""
    card = {
        "format": FORMAT,
        "revision": HEAD_REVISION,
        "post": [context.post_id, context.post_code, context.post_name],
        "device": [context.device_id, context.tracking_prefix, context.enrolled],
        "settings": _settings_of(context),
    }
    return json.dumps(card, ensure_ascii=False, indent=1).encode("utf-8")


def keep(profile: Profile, context: DeskContext) -> None:
    """Keep the card of ``context`` for the next start; written only when it changed.
    A card that cannot be written costs only a slower next start: logged, not raised."""
    path = card_path(profile)
    data = card_of(context)
    with _lock:
        if _kept.get(path) == data:
            return
        try:
            if path.read_bytes() != data:
                raise FileNotFoundError  # to write it below
        except OSError:
            from posko.files import write_atomic  # tempfile: not on the start-up's path

            try:
                write_atomic(path, data, private=True)
            except OSError as exc:
                log.warning("the start card was not written: %s", type(exc).__name__)
                return
        _kept[path] = data


def forget(profile: Profile) -> None:
    """Remove the card (the desk then starts the ordinary way)."""
    path = card_path(profile)
    with _lock:
        _kept.pop(path, None)
        path.unlink(missing_ok=True)


def _int(value: Any) -> int:
    if type(value) is not int or value <= 0:
        raise ValueError("not an id")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not a text")
    return value


def read(profile: Profile) -> DeskContext | None:
    """The context on the profile's card (nobody on duty); None when there is no usable
    card: the desk then starts the ordinary way."""
    path = card_path(profile)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    try:
        if len(data) > MAX_BYTES:
            raise ValueError("too large")
        card = json.loads(data.decode("utf-8"))
        if not isinstance(card, dict) or card.get("format") != FORMAT:
            raise ValueError("not a start card")
        if card.get("revision") != HEAD_REVISION:
            return None  # another version's: the ordinary start migrates and writes anew
        post, device, settings = card.get("post"), card.get("device"), card.get("settings")
        if not (isinstance(post, list) and len(post) == 3):
            raise ValueError("post")
        if not (isinstance(device, list) and len(device) == 3 and type(device[2]) is bool):
            raise ValueError("device")
        if not isinstance(settings, dict) or not set(settings) <= KEYS:
            raise ValueError("settings")
        values = {key: _text(value) for key, value in settings.items()}
        return context_of(
            values,
            (_int(post[0]), _text(post[1]), _text(post[2])),
            NOBODY,
            (_int(device[0]), _text(device[1]), device[2]),
        )
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        log.warning("start card unusable (%s): the ordinary start", type(exc).__name__)
        return None


__all__ = ["card_of", "card_path", "context_of", "forget", "keep", "read", "without_operator"]
