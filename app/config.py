from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me-development-only-secret-key-0000"


class Settings(BaseSettings):
    """Configuration from environment variables (prefix-free) and an optional `.env`."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; when unset, an embedded PostgreSQL server is started.",
    )
    data_dir: Path = Path(".cop-data")
    secret_key: str = DEFAULT_SECRET
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    password_hash_time_cost: int = 3
    host: str = "127.0.0.1"
    port: int = 8000
    db_pool_size: int = 10
    db_max_overflow: int = 10
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
    def _refuse_unsafe_defaults(self) -> Self:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                f"SECRET_KEY must be set to a private value when ENVIRONMENT={self.environment}"
            )
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters in production")
        if self.login_lockout_max_seconds < self.login_lockout_seconds:
            raise ValueError("LOGIN_LOCKOUT_MAX_SECONDS must be at least LOGIN_LOCKOUT_SECONDS")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
