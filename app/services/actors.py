"""Who is asking. A person (signed in with a token), an API key (a service account), or
the system: the operator at the console (`cop-api` commands), who has every right and is
neither a person nor a key. Nothing a client sends can make the system actor."""

import uuid
from dataclasses import dataclass, field

from app.errors import Forbidden, Unauthenticated

SCOPE_ORDER = {"read": 0, "write": 1, "admin": 2}


@dataclass(frozen=True)
class Actor:
    person_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    is_platform_admin: bool = False
    scopes: frozenset[str] = field(default_factory=frozenset)
    is_system: bool = False
    email_verified: bool = False

    @property
    def member_id(self) -> uuid.UUID | None:
        """The person whose memberships count for this caller: nobody until their email is
        verified. Memberships can reach an address its holder never proved (an import, an
        invitation, a sign-up with someone else's address); only the mailbox's owner uses
        them. Every check of "the caller's memberships" goes through this."""
        return self.person_id if self.email_verified else None

    @property
    def is_authenticated(self) -> bool:
        return self.person_id is not None or self.api_key_id is not None or self.is_system

    @property
    def is_service_account(self) -> bool:
        return self.api_key_id is not None

    def has_scope(self, scope: str) -> bool:
        """Keys carry scopes (admin > write > read); people are limited by their roles instead."""
        if not self.is_service_account:
            return True
        return any(SCOPE_ORDER[s] >= SCOPE_ORDER[scope] for s in self.scopes)

    @property
    def can_read_all(self) -> bool:
        return self.is_platform_admin or self.is_service_account

    @property
    def can_write_all(self) -> bool:
        return self.is_platform_admin or (self.is_service_account and self.has_scope("write"))

    @property
    def can_admin(self) -> bool:
        return (self.is_platform_admin and not self.is_service_account) or (
            self.is_service_account and self.has_scope("admin")
        )

    def require_authenticated(self) -> "Actor":
        if not self.is_authenticated:
            raise Unauthenticated("Send a bearer token: an access token or an API key.")
        return self

    def require_person(self) -> uuid.UUID:
        self.require_authenticated()
        if self.person_id is None:
            raise Forbidden(
                "This operation acts on a person; an API key has none.", problem="person-required"
            )
        return self.person_id

    def require_verified(self) -> uuid.UUID:
        person_id = self.require_person()
        if not self.email_verified:
            raise Forbidden(
                "Verify your email first: follow the link we mailed you "
                "(POST /api/v1/auth/verify-email/resend sends another).",
                problem="email-unverified",
            )
        return person_id

    def require_write(self) -> "Actor":
        self.require_authenticated()
        if not self.has_scope("write"):
            raise Forbidden("This API key lacks the 'write' scope.", problem="insufficient-scope")
        return self

    def require_admin(self) -> "Actor":
        self.require_authenticated()
        if not self.can_admin:
            raise Forbidden("Only a platform admin may do this.")
        return self


ANONYMOUS = Actor()
# The operator at the console. Audit rows it writes name no person and no key; the
# command line labels them with `request_id` = `console:<command>`.
SYSTEM = Actor(is_platform_admin=True, is_system=True)
