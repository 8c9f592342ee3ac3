"""Devices and enrollment, and the staff and Open311 clients: who may talk to the central
system and as what."""

from __future__ import annotations

import base64
import logging
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import (
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central import models
from central.security import (
    digest,
    matches,
    new_enroll_code,
    new_token,
    normalize_code,
    signature_valid,
)
from central.store.base import (
    AGENCY_OFFICER,
    CENTRAL_DEVICE_NUMBER,
    COORDINATOR,
    MAX_STAFF_TOKEN_DAYS,
    ROLES,
    STAFF_ROLES,
    STAFF_TOKEN_DAYS,
    SYSTEM_ACTOR,
    EnrollError,
    NotFound,
    StoreBase,
    _now,
    note_central_action,
)
from central.views import ClientInfo, DeviceInfo, client_info
from central.views import device_info as _device_info
from posko import tracking, wire

log = logging.getLogger("posko.central.store")


class Devices(StoreBase):
    """Enrollment codes, enrollment with proof of the desk's key, device and client tokens."""

    def create_enroll_code(
        self,
        post_code: str,
        hours: float = 72,
        *,
        actor: str = SYSTEM_ACTOR,
        actor_client_id: int | None = None,
    ) -> tuple[str, datetime]:
        if not 0 < hours <= 24 * 90:
            raise ValueError("hours must be between 0 and 2160")
        code = new_enroll_code()
        expires = _now() + timedelta(hours=hours)
        with self.session() as session, session.begin():
            row = models.EnrollCode(
                code_hash=digest(normalize_code(code)), post_code=post_code, expires_at=expires
            )
            session.add(row)
            session.flush()
            note_central_action(
                session,
                actor=actor,
                client_id=actor_client_id,
                action="enroll_code_created",
                target=f"enroll_code:{row.id}",
                detail=f"post={post_code}",
            )
        return code, expires

    def enroll(
        self,
        code: str,
        label: str = "",
        app_version: str = "",
        *,
        public_key: str,
        proof: str,
        provisional_prefix: str = "",
    ) -> wire.EnrollResponse:
        """Exchange a single-use code for a device, its tracking prefix and its token.

        The desk proves it holds the private key of ``public_key`` (``proof`` signs
        ``wire.enrollment_message``). A key already enrolled is the same desk coming back
        (say, after losing its token): it keeps its device, prefix and sequence and gets a
        new token; no other device is touched. A revoked device stays revoked until a
        coordinator reinstates it (``reinstate_device``)."""
        message = wire.enrollment_message(code, public_key, provisional_prefix)
        if not public_key or not signature_valid(public_key, proof, message):
            raise EnrollError(EnrollError.BAD_PROOF)
        with self.session() as session:
            reason = self._why_code_unusable(session, code, _now())
        if reason is not None:
            raise EnrollError(reason)
        # Checked once the code is known good: scrypt is slow on purpose.
        if provisional_prefix and provisional_prefix != tracking.provisional_prefix_for(
            base64.b64decode(public_key)
        ):
            raise EnrollError(EnrollError.BAD_PREFIX)
        token = new_token()
        for _attempt in range(5):
            try:
                with self.session() as session, session.begin():
                    return self._enroll(
                        session, code, label, app_version, public_key, provisional_prefix, token
                    )
            except IntegrityError:
                continue  # two enrollments took the same device number: try again
        raise RuntimeError("could not allocate a device number")

    def _enroll(
        self,
        session: Session,
        code: str,
        label: str,
        app_version: str,
        public_key: str,
        provisional_prefix: str,
        token: str,
    ) -> wire.EnrollResponse:
        now = _now()
        # Claim the code atomically: the UPDATE matches only an unused one.
        claimed = session.execute(
            update(models.EnrollCode)
            .where(
                models.EnrollCode.code_hash == digest(normalize_code(code)),
                models.EnrollCode.used_at.is_(None),
                models.EnrollCode.expires_at > now,
            )
            .values(used_at=now)
            .returning(models.EnrollCode.id, models.EnrollCode.post_code)
        ).one_or_none()
        if claimed is None:
            raise EnrollError(self._why_code_unusable(session, code, now) or EnrollError.USED)
        device = session.scalar(
            select(models.Device)
            .where(
                models.Device.public_key == public_key,
                models.Device.number != CENTRAL_DEVICE_NUMBER,
            )
            .with_for_update()
        )
        if device is not None and device.revoked_at is not None:
            # Raising rolls the transaction back: the code stays unused.
            raise EnrollError(EnrollError.REVOKED)
        if (
            device is not None
            and device.token_hash is not None
            and device.post_code != claimed.post_code
        ):
            # The key is enrolled and its token alive at another post: a copied profile on a
            # second laptop, most likely. Moving a desk is a coordinator's decision: revoke,
            # reinstate, then enroll with the new post's code.
            raise EnrollError(EnrollError.OTHER_POST)
        if provisional_prefix:
            holder = session.scalar(
                select(models.Device.id).where(
                    models.Device.provisional_prefix == provisional_prefix
                )
            )
            if holder is not None and (device is None or holder != device.id):
                # Two keys with one prefix: as likely as two random prefixes meeting (about
                # 4·10⁻⁵ among 1,000 desks). The first keeps it; the IDs this desk made
                # before enrolling will be refused with the reason, never taken as the
                # other desk's.
                log.warning("provisional prefix already held by device %s", holder)
                provisional_prefix = ""
        if device is None:
            number = (
                session.scalar(select(func.coalesce(func.max(models.Device.number), 0))) or 0
            ) + 1
            device = models.Device(
                number=number,
                tracking_prefix=tracking.enrolled_prefix(number),
                post_code=claimed.post_code,
                label=label,
                token_hash=digest(token),
                app_version=app_version,
                public_key=public_key,
                provisional_prefix=provisional_prefix or None,
            )
            session.add(device)
            session.flush()
            log.info("enrolled device %s for post %s", device.id, claimed.post_code)
            action = "device_enrolled"
        else:
            # The same desk (it proved the key) with a fresh code: a new token for it alone.
            if device.token_hash is not None:
                log.warning(
                    "device %s enrolled again: its previous token no longer works", device.id
                )
            else:
                log.info("re-enrolled device %s for post %s", device.id, claimed.post_code)
            action = "device_reenrolled"
            device.token_hash = digest(token)
            device.post_code = claimed.post_code
            device.label = label or device.label
            if provisional_prefix and device.provisional_prefix is None:
                device.provisional_prefix = provisional_prefix
        session.execute(
            update(models.EnrollCode)
            .where(models.EnrollCode.id == claimed.id)
            .values(device_id=device.id)
        )
        # The desk enrolls itself with a coordinator's code (whose making is a line too).
        note_central_action(
            session,
            actor=f"desk:{device.id}",
            action=action,
            target=f"device:{device.id}",
            detail=f"post={claimed.post_code}",
            at=now,
        )
        return wire.EnrollResponse(
            device_id=str(device.id),
            tracking_prefix=device.tracking_prefix,
            token=token,
            post_code=claimed.post_code,
            next_sequence=self._next_sequence(session, device.id, device.tracking_prefix),
        )

    @staticmethod
    def _next_sequence(session: Session, device_id: int, prefix: str) -> int:
        """One past the highest sequence the central system holds under ``prefix``."""
        highest = 0
        for (tracking_id,) in session.execute(
            select(models.Complaint.tracking_id).where(
                models.Complaint.device_id == device_id,
                models.Complaint.tracking_id.startswith(prefix),
            )
        ):
            own, sequence = tracking.split(tracking_id)
            if own == prefix:
                highest = max(highest, sequence)
        return highest + 1

    @staticmethod
    def _why_code_unusable(session: Session, code: str, now: datetime) -> str | None:
        row = session.scalar(
            select(models.EnrollCode).where(
                models.EnrollCode.code_hash == digest(normalize_code(code))
            )
        )
        if row is None:
            return EnrollError.UNKNOWN
        if row.used_at is not None:
            return EnrollError.USED
        if row.expires_at <= now:
            return EnrollError.EXPIRED
        return None

    def devices(self) -> list[DeviceInfo]:
        with self.session() as session:
            rows = session.scalars(
                select(models.Device)
                .where(models.Device.number != CENTRAL_DEVICE_NUMBER)
                .order_by(models.Device.id)
            )
            return [_device_info(row) for row in rows]

    def device(self, device_id: int) -> tuple[DeviceInfo, str] | None:
        """A device and its registered public key."""
        with self.session() as session:
            row = session.get(models.Device, device_id)
            if row is None or row.number == CENTRAL_DEVICE_NUMBER:
                return None
            return _device_info(row), row.public_key

    def revoke_device(
        self, device_id: int, *, actor: str = SYSTEM_ACTOR, actor_client_id: int | None = None
    ) -> DeviceInfo:
        """The device's token stops working at once and for good; enrolling again (even
        with a fresh code and the device's own key) is refused until it is reinstated."""
        with self.session() as session, session.begin():
            row = session.get(models.Device, device_id)
            if row is None or row.number == CENTRAL_DEVICE_NUMBER:
                raise NotFound(f"device {device_id}")
            if row.revoked_at is None:
                row.revoked_at = _now()
            row.token_hash = None
            note_central_action(
                session,
                actor=actor,
                client_id=actor_client_id,
                action="device_revoked",
                target=f"device:{row.id}",
                detail=f"post={row.post_code}",
            )
            return _device_info(row)

    def reinstate_device(
        self, device_id: int, *, actor: str = SYSTEM_ACTOR, actor_client_id: int | None = None
    ) -> DeviceInfo:
        """A coordinator lets a revoked device enroll again (its old token stays dead)."""
        with self.session() as session, session.begin():
            row = session.get(models.Device, device_id)
            if row is None or row.number == CENTRAL_DEVICE_NUMBER:
                raise NotFound(f"device {device_id}")
            row.revoked_at = None
            note_central_action(
                session,
                actor=actor,
                client_id=actor_client_id,
                action="device_reinstated",
                target=f"device:{row.id}",
                detail=f"post={row.post_code}",
            )
            return _device_info(row)

    def authenticate_device(self, token: str) -> DeviceInfo | None:
        """The active device holding ``token``. The look-up is by hash (a unique index), so
        its timing says nothing about the token; the final comparison is constant-time."""
        if not token:
            return None
        wanted = digest(token)
        with self.session() as session:
            row = session.scalar(select(models.Device).where(models.Device.token_hash == wanted))
            if row is None or row.token_hash is None or row.revoked_at is not None:
                return None
            if not matches(token, row.token_hash):
                return None
            return _device_info(row)

    # -- staff and Open311 clients -------------------------------------------------------

    def create_client(
        self,
        name: str,
        role: str,
        *,
        staff_role: str = COORDINATOR,
        agency: str = "",
        days: int | None = STAFF_TOKEN_DAYS,
        agencies: Collection[str] | None = None,
        actor: str = SYSTEM_ACTOR,
    ) -> str:
        """A new staff token or Open311 key (only its hash is kept). A staff client is a
        coordinator or an agency officer (``staff_role``) bound to one ``agency`` code,
        which must be one of ``agencies`` when they are given (the routing rules' codes);
        its token expires after ``days`` (None: never; Open311 keys never expire)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        expires: datetime | None = None
        if role == "staff":
            if staff_role not in STAFF_ROLES:
                raise ValueError(f"staff role must be one of {', '.join(STAFF_ROLES)}")
            if staff_role == AGENCY_OFFICER:
                if not agency or (agencies is not None and agency not in agencies):
                    raise ValueError("an agency officer needs a known agency code")
            elif agency:
                raise ValueError("a coordinator is bound to no agency")
            if days is not None:
                if not 1 <= days <= MAX_STAFF_TOKEN_DAYS:
                    raise ValueError(f"days must be between 1 and {MAX_STAFF_TOKEN_DAYS}")
                expires = self.clock() + timedelta(days=days)
        else:
            staff_role, agency = "", ""
        token = new_token()
        with self.session() as session, session.begin():
            row = models.ApiClient(
                name=name,
                role=role,
                token_hash=digest(token),
                staff_role=staff_role,
                agency=agency,
                expires_at=expires,
            )
            session.add(row)
            session.flush()
            note_central_action(
                session,
                actor=actor,
                action="client_created",
                target=f"client:{row.id}",
                detail=",".join(part for part in (role, staff_role, agency) if part),
            )
        return token

    def clients(self) -> list[ClientInfo]:
        with self.session() as session:
            return [
                client_info(row)
                for row in session.scalars(select(models.ApiClient).order_by(models.ApiClient.id))
            ]

    def revoke_client(self, client_id: int, *, actor: str = SYSTEM_ACTOR) -> ClientInfo:
        """The staff token or Open311 key stops working at once, for good."""
        with self.session() as session, session.begin():
            row = session.get(models.ApiClient, client_id)
            if row is None:
                raise NotFound(f"client {client_id}")
            if row.revoked_at is None:
                row.revoked_at = _now()
            note_central_action(
                session,
                actor=actor,
                action="client_revoked",
                target=f"client:{row.id}",
                detail=row.role,
            )
            return client_info(row)

    def authenticate_client(self, token: str, role: str) -> ClientInfo | None:
        """The live client holding ``token`` in ``role``: None when there is none, it was
        revoked, or its token has expired (all three answered alike)."""
        if not token:
            return None
        with self.session() as session:
            row = session.scalar(
                select(models.ApiClient).where(models.ApiClient.token_hash == digest(token))
            )
            if row is None or row.revoked_at is not None or row.role != role:
                return None
            if row.expires_at is not None and row.expires_at <= self.clock():
                return None
            if not matches(token, row.token_hash):
                return None
            return client_info(row)
