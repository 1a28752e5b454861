"""One translation of database failures into domain errors, which REST and GraphQL then
map like any other: stale rows, integrity, serialisation and deadlocks, refused values,
and a database (or a pool) that cannot serve the request now."""

import logging

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from app.errors import Conflict, DomainError, Invalid, ServiceUnavailable

log = logging.getLogger("cop_api")

# Deadlocks and serialisation failures: nobody's mistake, and a retry succeeds.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})

# The server refused or lost the connection (connection exceptions, too many clients or
# other exhausted resources, shutting down), or a statement ran past its timeout.
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57P", "57014")


def _sqlstate(exc: DBAPIError) -> str:
    orig = exc.orig
    return str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")


def database_unavailable(exc: DBAPIError) -> bool:
    return (
        exc.connection_invalidated
        or isinstance(exc, OperationalError | InterfaceError)
        or _sqlstate(exc).startswith(UNAVAILABLE_SQLSTATE_PREFIXES)
    )


def unavailable(
    detail: str = "The database cannot serve the request now; retry shortly.",
) -> ServiceUnavailable:
    return ServiceUnavailable(detail, retry_after=1)


def translate(exc: BaseException) -> DomainError | None:
    """The domain error a database failure means, or None for a real bug (logged by the
    caller as one)."""
    if isinstance(exc, PoolTimeout):
        log.warning("connection pool exhausted: %s", exc)
        return unavailable("Every database connection is busy; retry shortly.")
    if isinstance(exc, StaleDataError):
        return Conflict(
            "Another request changed the same data at the same moment; read it again and retry.",
            problem="concurrent-update",
        )
    if isinstance(exc, IntegrityError):
        log.info("integrity error: %s", exc.orig)
        return Conflict("The change conflicts with existing data (probably a concurrent request).")
    if isinstance(exc, DBAPIError):
        sqlstate = _sqlstate(exc)
        if sqlstate.startswith("22"):
            return Invalid(
                "A value could not be stored (for example text with a NUL character).",
                problem="invalid-data",
                title="Invalid data",
            )
        if sqlstate in TRANSIENT_SQLSTATES:
            return Conflict(
                "Another request changed the same data at the same moment; retry the request.",
                problem="concurrent-update",
                retry_after=1,
            )
        if database_unavailable(exc):
            log.warning("database unavailable: %s", exc)
            return unavailable()
    if isinstance(exc, ConnectionError):  # refused before SQLAlchemy wrapped it
        log.warning("database unreachable: %s", exc)
        return unavailable()
    return None
