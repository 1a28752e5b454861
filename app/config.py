import logging
import os
import secrets
import stat
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"
# Values that were printed in this project's documentation or code: whoever read them can
# sign tokens with them, so they are refused as SECRET_KEY everywhere.
PUBLISHED_SECRETS = frozenset(
    {
        "change-me-development-only-secret-key-0000",
        "paste-64-random-characters-here-0123456789abcdef0123456789abcdef",
    }
)
_MIN_STORED_SECRET = 32


def _read_secret(path: Path) -> str | None:
    """The key in `path`, or None while it is missing or still being written."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    if len(text) < _MIN_STORED_SECRET:
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s is readable by other users (mode %o); chmod 600 it", path, mode)
    return text


def load_or_create_secret(data_dir: Path) -> str:
    """The signing key kept in `data_dir/secret_key`, made (random, mode 0600) if missing.

    Processes that start at once agree on one key: each writes a complete candidate to a
    private temporary file and hard-links it into place, which fails if the name exists;
    every process then reads whichever file won."""
    path = data_dir / SECRET_KEY_FILE
    found = _read_secret(path)
    if found is not None:
        return found
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=f".{SECRET_KEY_FILE}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_urlsafe(48) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
            log.info("generated a new secret key in %s", path)
        except FileExistsError:
            pass  # another process won; use its key
        except OSError:
            _create_exclusively(path, Path(tmp).read_text(encoding="ascii"))
    finally:
        os.unlink(tmp)
    # A file being written by a process on the fallback path may be briefly empty.
    deadline = time.monotonic() + 2.0
    while (found := _read_secret(path)) is None:
        if time.monotonic() > deadline:
            raise ValueError(
                f"{path} holds no usable key (fewer than {_MIN_STORED_SECRET} characters); "
                "delete it to have a new one made, or set SECRET_KEY"
            )
        time.sleep(0.01)
    return found


def _create_exclusively(path: Path, text: str) -> None:
    """For file systems without hard links: create the file only if it does not exist."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text)


class Settings(BaseSettings):
    """Configuration from environment variables (prefix-free) and an optional `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; when unset, an embedded PostgreSQL server is started.",
    )
    data_dir: Path = Path(".cop-data")
    secret_key: str = Field(
        default="",
        description="Signs access tokens. Required when ENVIRONMENT is test or production; "
        "unset in development, a random key is made once and kept in DATA_DIR/secret_key.",
    )
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    password_hash_time_cost: int = 3
    host: str = "127.0.0.1"
    port: int = 8000
    db_pool_size: int = Field(default=10, ge=1, description="Pooled database connections.")
    db_max_overflow: int = Field(
        default=10, ge=0, description="Connections opened beyond the pool under load."
    )
    db_pool_timeout: float = Field(
        default=2.0,
        gt=0,
        le=30,
        description="Seconds a request waits for a free connection before it is answered "
        "503 with Retry-After.",
    )
    max_concurrent_requests: int = Field(
        default=0,
        ge=0,
        description="Requests a process works on at once; the rest queue without holding "
        "a connection (0: as many as the pool has connections).",
    )
    max_queued_requests: int = Field(
        default=1_000, ge=0, description="Requests that may queue; beyond, 503 at once."
    )
    queue_wait_seconds: float = Field(
        default=30.0, gt=0, description="How long a request may queue before it gets 503."
    )
    db_statement_timeout_ms: int = Field(
        default=15_000,
        ge=0,
        description="PostgreSQL statement_timeout for the service's connections (0: none).",
    )
    graphql_max_cost: int = Field(
        default=25_000,
        ge=1,
        description="The most a GraphQL operation may cost (every connection multiplies "
        "what it contains by its page size); a costlier one is refused before it runs.",
    )
    graphql_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A GraphQL operation still running after this long is cancelled.",
    )
    graphql_connections_per_request: int = Field(
        default=4,
        ge=1,
        description="How many pooled connections one GraphQL request may use at once.",
    )
    graphql_introspection: bool = True
    graphql_graphiql: bool = True
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 4000
    page_size_default: int = 20
    page_size_max: int = 100
    log_sql: bool = False
    webhooks_dispatcher_enabled: bool = Field(
        default=True, description="Deliver webhooks from inside the API process."
    )
    webhooks_allow_private_targets: bool = Field(
        default=False, description="Let webhooks call loopback and private addresses."
    )
    webhooks_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhooks_poll_seconds: float = Field(default=2.0, gt=0)
    webhooks_batch_size: int = Field(default=10, ge=1, le=100)
    refresh_reuse_grace_seconds: float = Field(
        default=30,
        ge=0,
        le=300,
        description="A spent refresh token presented again this soon after its refresh (a "
        "client retrying, or racing itself) gets the same new refresh token instead of "
        "counting as theft.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        max_length=500,
        description="Where people reach the service (or its web front end): the start of the "
        "links in account mail (/verify-email?token=…, /reset-password?token=…).",
    )
    mail_from: str = Field(
        default="cop-api <no-reply@localhost>", description="The From of account mail."
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for account mail. Unset: each message is written as an .eml "
        "file to DATA_DIR/mail/ and its subject and links are logged.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: bool = Field(default=False, description="Implicit TLS from the start (port 465).")
    smtp_starttls: bool = Field(
        default=True, description="Require STARTTLS (when SMTP_TLS is off); off for a local relay."
    )
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=30, gt=0, le=300)
    email_verification_hours: float = Field(
        default=48, gt=0, description="How long an email verification link works."
    )
    password_reset_minutes: float = Field(
        default=60, gt=0, description="How long a password reset link works."
    )
    account_mail_interval_seconds: float = Field(
        default=60,
        ge=0,
        description="At most one verification mail, and one reset mail, per person this often.",
    )
    request_max_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="The largest request body accepted, GraphQL included (bytes); a larger "
        "one is refused with 413 before it is read.",
    )
    import_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="The same limit for the bulk import uploads (members, a domain export).",
    )
    view_cache_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Memory the network and community views may keep cached, per process "
        "(bytes, estimated); 0 keeps none.",
    )
    idempotency_retention_hours: float = Field(
        default=24, gt=0, description="How long a POST's Idempotency-Key replays its response."
    )
    idempotency_lease_seconds: float = Field(
        default=300,
        gt=0,
        description="A request still unfinished after this long (its process died) no longer "
        "blocks a retry with the same key.",
    )

    rate_limit_enabled: bool = Field(
        default=True,
        description="Limit requests per client and minute (429 with Retry-After beyond); "
        "responses carry RateLimit-Policy and RateLimit headers.",
    )
    rate_limit_anonymous_per_minute: int = Field(
        default=120,
        ge=1,
        description="Requests a minute from one IP address (an IPv6 /64) without a valid "
        "access token or API key; a credential that does not verify counts here too.",
    )
    rate_limit_person_per_minute: int = Field(
        default=600, ge=1, description="Requests a minute for one person (a valid access token)."
    )
    rate_limit_api_key_per_minute: int = Field(
        default=1200,
        ge=1,
        description="Requests a minute for one API key, unless the key has a limit of its own.",
    )
    rate_limit_key_cache_seconds: float = Field(
        default=60,
        ge=0,
        le=3600,
        description="How long a process remembers an API key's own limit (and that it is "
        "valid) before reading it again; a changed limit applies after at most this long.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis (redis:// or rediss://) holding the rate-limit and login counters, "
        "shared by every process; when unset each process counts in its own memory.",
    )
    login_throttle_enabled: bool = Field(
        default=True, description="Lock out logins after repeated failures (429)."
    )
    login_account_max_failures: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failed logins to one account (from anywhere, within the failure "
        "window) that lock it for a while.",
    )
    login_ip_max_failures: int = Field(
        default=20,
        ge=1,
        description="Failed logins from one IP address (to any account, within the failure "
        "window) after which its logins are refused until the window ends.",
    )
    login_failure_window_seconds: int = Field(
        default=900, ge=1, le=86400, description="The window failed logins are counted in."
    )
    login_lockout_seconds: int = Field(
        default=60,
        ge=1,
        description="The first lockout of an account; each further lockout doubles it.",
    )
    login_lockout_max_seconds: int = Field(
        default=900,
        ge=1,
        le=86400,
        description="The longest an account is locked at a time.",
    )
    password_hash_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Password hashes a process computes at once; more wait their turn, so "
        "that a burst of logins cannot take every CPU from the other requests.",
    )

    @model_validator(mode="after")
    def _resolve_secret_key(self) -> Self:
        if self.secret_key in PUBLISHED_SECRETS:
            raise ValueError(
                "SECRET_KEY is a value published in the documentation; set a private one"
            )
        if not self.secret_key:
            if self.environment != "development":
                raise ValueError(f"SECRET_KEY must be set when ENVIRONMENT={self.environment}")
            try:
                self.secret_key = load_or_create_secret(self.data_dir)
            except OSError as exc:
                raise ValueError(
                    f"cannot keep a secret key in {self.data_dir / SECRET_KEY_FILE} ({exc}); "
                    "set SECRET_KEY or DATA_DIR"
                ) from exc
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters in production")
        if self.login_lockout_max_seconds < self.login_lockout_seconds:
            raise ValueError("LOGIN_LOCKOUT_MAX_SECONDS must be at least LOGIN_LOCKOUT_SECONDS")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
