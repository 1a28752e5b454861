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
    idempotency_retention_hours: float = Field(
        default=24, gt=0, description="How long a POST's Idempotency-Key replays its response."
    )
    idempotency_lease_seconds: float = Field(
        default=300,
        gt=0,
        description="A request still unfinished after this long (its process died) no longer "
        "blocks a retry with the same key.",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Self:
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET:
            raise ValueError(
                f"SECRET_KEY must be set to a private value when ENVIRONMENT={self.environment}"
            )
        if self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
