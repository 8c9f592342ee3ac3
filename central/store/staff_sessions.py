"""Staff sessions: a coordinator signed in to the staff pages in a browser.

Signing in (``central.staff_web``) checks a credential (for now a staff client's token),
then opens a session for that client: a fresh random token goes to the browser as a cookie
and only its hash is stored. A session is good until it expires (``SESSION_LIFETIME`` after
it was opened), until it is closed (sign-out), or until its client is revoked: the look-up
checks the client every time, so revoking one (or its token expiring) stops its browser
sessions at once. The session carries the client's staff role and agency: an agency
officer's pages show only what ``central.disclosure`` lets them see. Expired
sessions are deleted whenever a session is opened.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select, update

from central import models
from central.security import digest, new_token
from central.store.base import StoreBase
from central.views import ClientInfo, client_info

SESSION_LIFETIME = timedelta(hours=8)  # a working shift; the cookie's Max-Age too
SESSION_ROLES = ("staff",)  # the clients whose sessions open the staff pages
MAX_SESSION_TOKEN = 100  # longer is not one of ours: refused before hashing


class StaffSessions(StoreBase):
    """Open, look up and close staff sessions; expired ones are pruned."""

    def open_staff_session(self, client_id: int) -> str:
        """A new session for ``client_id``: its token, which only the browser keeps."""
        token = new_token()
        now = self.clock()
        with self.session() as session, session.begin():
            session.execute(
                delete(models.StaffSession).where(models.StaffSession.expires_at <= now)
            )
            session.add(
                models.StaffSession(
                    token_hash=digest(token),
                    client_id=client_id,
                    created_at=now,
                    expires_at=now + SESSION_LIFETIME,
                    last_seen_at=now,
                )
            )
        return token

    def staff_session(self, token: str) -> ClientInfo | None:
        """The client signed in with ``token``: None when there is no such session, it has
        expired, or its client was revoked. The session's last-seen moment moves on."""
        if not token or len(token) > MAX_SESSION_TOKEN:
            return None
        now = self.clock()
        with self.session() as session, session.begin():
            found = session.execute(
                select(models.StaffSession.id, models.ApiClient)
                .join(models.ApiClient, models.ApiClient.id == models.StaffSession.client_id)
                .where(
                    models.StaffSession.token_hash == digest(token),
                    models.StaffSession.expires_at > now,
                    models.ApiClient.revoked_at.is_(None),
                    or_(models.ApiClient.expires_at.is_(None), models.ApiClient.expires_at > now),
                    models.ApiClient.role.in_(SESSION_ROLES),
                )
            ).one_or_none()
            if found is None:
                return None
            session_id, client = found
            session.execute(
                update(models.StaffSession)
                .where(models.StaffSession.id == session_id)
                .values(last_seen_at=now)
            )
            return client_info(client)

    def close_staff_session(self, token: str) -> None:
        """Sign-out: the session's token stops working (closing an unknown one is fine)."""
        if not token or len(token) > MAX_SESSION_TOKEN:
            return
        with self.session() as session, session.begin():
            session.execute(
                delete(models.StaffSession).where(models.StaffSession.token_hash == digest(token))
            )

    def prune_staff_sessions(self) -> int:
        """Delete the expired sessions; how many there were."""
        with self.session() as session, session.begin():
            result = session.execute(
                delete(models.StaffSession).where(models.StaffSession.expires_at <= self.clock())
            )
            return int(getattr(result, "rowcount", 0) or 0)
