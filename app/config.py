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
