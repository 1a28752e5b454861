"""Login throttling: repeated failed logins lock an account, or an address, for a while.

Per account (keyed by the email, whether or not an account has it, so that a lockout says
nothing about which emails exist): at most LOGIN_ACCOUNT_MAX_FAILURES attempts get their
password checked within the failure window. The attempt is counted before the check, in
one atomic step, so concurrent guesses cannot slip past the count (more attempts at once
than that are asked to retry in a second); a success clears the count, and an attempt
that ends in an error counts as failed, since it was admitted.
When they have all failed, the account is locked for LOGIN_LOCKOUT_SECONDS, twice that
the next time, and so on up to LOGIN_LOCKOUT_MAX_SECONDS, and the count starts over. While
it is locked every login to it is refused (429 with Retry-After), the right password
too, without checking it.

Per address: failures to any account are counted; past LOGIN_IP_MAX_FAILURES within the
window, logins from that address are refused until the window ends. This bounds what
one address can add to the account counts, so a flood from one address locks a few
accounts for minutes at most, and never stops another address logging in to another
account.

The counters live in the `limits` storage the request limits use (Redis when REDIS_URL
is set, so every process sees the same counts). If that storage fails, logins are let
through unthrottled (and the failure logged) rather than refused."""

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from app.config import Settings
from app.errors import RateLimited

log = logging.getLogger("cop_api")

PROBLEM = "login-throttled"
# How long lockouts keep growing: a day after the last one, the next starts short again.
_STRIKE_MEMORY_SECONDS = 86400


@dataclass(frozen=True)
class Attempt:
    account: str  # a keyed hash of the email: the storage never holds emails
    client: str  # the client's address (see app.ratelimit.client_address)


class LoginThrottle:
    def __init__(self, storage: Storage, settings: Settings) -> None:
        self.enabled = settings.login_throttle_enabled
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._secret = settings.secret_key.encode()
        self._attempts = RateLimitItemPerSecond(
            settings.login_account_max_failures, settings.login_failure_window_seconds
        )
        self._window = settings.login_failure_window_seconds
        self._ip_max = settings.login_ip_max_failures
        self._lockout = settings.login_lockout_seconds
        self._lockout_max = settings.login_lockout_max_seconds

    def _account(self, email: str) -> str:
        raw = email.encode("utf-8", "surrogatepass")  # GraphQL strings may hold lone surrogates
        digest = hmac.new(self._secret, b"login:" + raw, hashlib.sha256)
        return digest.hexdigest()[:32]

    async def admit(self, email: str, client: str) -> Attempt:
        """Count an attempt to log in as `email` (normalised) from `client`; raises
        RateLimited while the address or the account is locked."""
        attempt = Attempt(self._account(email), client)
        if not self.enabled:
            return attempt
        try:
            await self._admit(attempt)
        except StorageError:
            log.exception("login throttle storage failed; the login is not throttled")
        return attempt

    async def _admit(self, attempt: Attempt) -> None:
        ip_key = _ip_key(attempt.client)
        if await self._storage.get(ip_key) >= self._ip_max:
            raise RateLimited(
                "Too many failed logins from this address; try again later.",
                retry_after=await self._seconds_left(ip_key),
                problem=PROBLEM,
            )
        lock_key = _lock_key(attempt.account)
        if await self._storage.get(lock_key) > 0:
            raise self._locked(await self._seconds_left(lock_key))
        if not await self._limiter.hit(self._attempts, "login-attempts", attempt.account):
            # As many attempts as may fail are being checked right now: in a moment they
            # have either locked the account or (one succeeded) cleared the count.
            raise RateLimited(
                "Too many logins to this account at once; try again in a moment.",
                retry_after=1,
                problem=PROBLEM,
            )

    async def failed(self, attempt: Attempt) -> None:
        if not self.enabled:
            return
        try:
            await self._storage.incr(_ip_key(attempt.client), self._window)
            stats = await self._limiter.get_window_stats(
                self._attempts, "login-attempts", attempt.account
            )
            if stats.remaining > 0:
                return
            strikes_key = _strikes_key(attempt.account)
            strikes = await self._storage.incr(strikes_key, _STRIKE_MEMORY_SECONDS)
            seconds = min(self._lockout * 2 ** min(strikes - 1, 20), self._lockout_max)
            lock_key = _lock_key(attempt.account)
            await self._storage.clear(lock_key)
            await self._storage.incr(lock_key, seconds)
            await self._limiter.clear(self._attempts, "login-attempts", attempt.account)
        except StorageError:
            log.exception("login throttle storage failed; a failed login was not counted")

    async def succeeded(self, attempt: Attempt) -> None:
        if not self.enabled:
            return
        try:
            await self._limiter.clear(self._attempts, "login-attempts", attempt.account)
            await self._storage.clear(_strikes_key(attempt.account))
            # A lock that concurrent failures set while this attempt was being checked.
            await self._storage.clear(_lock_key(attempt.account))
        except StorageError:
            log.exception("login throttle storage failed; a login's counts were not cleared")

    @staticmethod
    def _locked(seconds: int) -> RateLimited:
        return RateLimited(
            "Too many failed logins to this account; it is locked for a while.",
            retry_after=seconds,
            problem=PROBLEM,
        )

    async def _seconds_left(self, key: str) -> int:
        return math.ceil(await self._storage.get_expiry(key) - time.time())


def _ip_key(client: str) -> str:
    return f"login/ip-failures/{client}"


def _lock_key(account: str) -> str:
    return f"login/lock/{account}"


def _strikes_key(account: str) -> str:
    return f"login/lockouts/{account}"
