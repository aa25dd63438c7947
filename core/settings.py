"""One settings object, read from the environment once at start-up.

Every variable is documented, with its default, in `.env.example`. Nothing else in Threadr
reads `os.environ`. Secrets (JWT_SECRET, OPENAI_API_KEY, STRIPE_*, bot tokens) are kept in
`SecretStr` so they never show up in a repr or a log line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pydantic
from platformdirs import user_data_dir
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars


class SecretStr(pydantic.SecretStr):
    """A secret masked in repr/str and logs. Use `.reveal()` where the value is needed."""

    def reveal(self) -> str:
        return self.get_secret_value()

    def masked(self) -> str:
        return "**********" if self else ""


class SettingsError(ValueError):
    """A setting from the environment is invalid; the message is one line naming it."""


def default_data_dir() -> Path:
    return Path(user_data_dir("threadr", appauthor=False))


class Settings(BaseSettings):
    """Every setting; `Settings(...)` takes exactly what it is given (tests), `from_env()`
    reads the environment (the doors, once at start-up). An empty variable means the default.
    """

    model_config = SettingsConfigDict(
        frozen=True, case_sensitive=False, env_ignore_empty=True, enable_decoding=False,
        extra="forbid", validate_by_name=True, validate_by_alias=True)

    # --- general ---
    env: Literal["development", "production", "test"] = Field(
        "development", validation_alias="THREADR_ENV")
    data_dir: Path = Field(default_factory=default_data_dir, validation_alias="THREADR_DATA_DIR")
    log_level: str = "INFO"
    log_json: bool = True
    public_url: str = ""  # PUBLIC_URL: where people reach the web page ("": the request's origin)
    # --- web ---
    host: str = Field("127.0.0.1", validation_alias="THREADR_HOST")
    port: int = Field(8080, validation_alias="THREADR_PORT")
    workers: int = Field(1, validation_alias="THREADR_WORKERS")
    shutdown_grace: float = 20.0
    drain_seconds: float = 0.0  # on SIGTERM /readyz says 503 this long before closing
    trusted_proxies: tuple[str, ...] = ()  # CIDRs whose X-Forwarded-For is believed
    cors_origins: tuple[str, ...] = ()  # extra allowed origins besides public_url
    extension_ids: tuple[str, ...] = ()  # chrome-extension://<id>, moz-extension://<uuid>
    max_text_bytes: int = 100_000
    max_html_bytes: int = 5_000_000
    sse_heartbeat_seconds: float = 15.0  # comment lines that keep idle SSE streams open
    http_header_timeout: float = 10.0  # a client must send its request line and headers in this
    http_body_timeout: float = 30.0  # and its whole body in this, else the connection is closed
    extract_seconds: float = 1.5  # budget of one page's extraction (killed after: 422)
    extract_max_tags: int = 60_000  # pages with more tags are refused before parsing (422)
    # --- storage ---
    database_url: str = ""  # "" → sqlite:///<data_dir>/threadr.db
    redis_url: str = ""  # "" → in-process counters and cache
    redis_prefix: str = "threadr:"
    db_pool_min: int = 1
    db_pool_max: int = 10
    db_connect_timeout: float = 1.0  # seconds to open a PostgreSQL connection
    db_acquire_timeout: float = 0.5  # seconds to wait for a free pool connection
    db_command_timeout: float = 1.0  # seconds one statement may take (frozen database → 503)
    migrations_dir: str = Field("", validation_alias="THREADR_MIGRATIONS_DIR")  # "" → repo's
    # --- accounts ---
    jwt_secret: SecretStr = SecretStr("")
    jwt_audience: str = "threadr"
    jwt_ttl_minutes: int = 60
    # --- mail ---
    smtp_url: SecretStr = SecretStr("")  # "" → .eml files in <data_dir>/outbox/
    mail_from: str = "Threadr <no-reply@localhost>"
    mail_attempts: int = 4  # tries per message before giving up (logged)
    mail_backoff_seconds: float = 2.0  # first retry delay; doubles each time
    # --- operator dashboard ---
    llm_price_per_1k_tokens: float = 0.0  # USD, for the estimated LLM cost
    # --- quotas ---
    free_daily_quota: int = 5
    premium_daily_quota: int = 200
    burst_per_minute: int = 10
    fallback_daily_quota: int = 5  # per process, when Redis is unreachable
    cache_ttl_seconds: int = 86_400
    usage_flush_seconds: float = 1.0  # usage records batched this long (0: written per request)
    # --- fetcher ---
    fetch_allowed_ports: tuple[int, ...] = (80, 443)
    fetch_connect_timeout: float = 5.0
    fetch_total_timeout: float = 20.0
    fetch_max_bytes: int = 2_000_000
    fetch_max_redirects: int = 3
    fetch_allow_loopback: bool = False  # TEST ONLY: lets tests serve pages from 127.0.0.1
    # --- LLM ---
    generator: Literal["offline", "llm"] = Field("offline", validation_alias="THREADR_GENERATOR")
    openai_api_key: SecretStr = SecretStr("")
    openai_base_url: str = ""
    openai_model: str = "gpt-4o-mini"
    llm_timeout: float = 30.0
    llm_max_retries: int = 2
    llm_rate_per_minute: int = 60
    llm_breaker_failures: int = 5
    llm_breaker_cooldown: float = 30.0
    llm_max_input_tokens: int = 6000
    # --- billing ---
    stripe_secret_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")
    stripe_api_base: str = ""
    stripe_price_id: str = ""  # subscription mode uses a Price id
    stripe_mode: Literal["payment", "subscription"] = "payment"
    premium_price_cents: int = 499
    premium_currency: str = "usd"
    premium_days: int = 30
    # --- bots ---
    telegram_token: SecretStr = SecretStr("")
    telegram_api_base: str = ""  # e.g. http://127.0.0.1:8081/bot for a stand-in
    telegram_webhook_secret: SecretStr = SecretStr("")
    telegram_mode: Literal["polling", "webhook"] = "polling"
    discord_token: SecretStr = SecretStr("")
    discord_api_base: str = ""
    discord_gateway_url: str = ""
    # --- publishing ---
    token_encryption_key: SecretStr = SecretStr("")  # Fernet key; embedded: generated 0600
    x_client_id: str = ""
    x_client_secret: SecretStr = SecretStr("")  # optional (public clients use PKCE only)
    x_api_base: str = "https://api.x.com"
    x_authorize_url: str = "https://x.com/i/oauth2/authorize"
    x_token_url: str = "https://api.x.com/2/oauth2/token"
    bluesky_service: str = "https://bsky.social"
    publish_max_attempts: int = 5  # tries per post on 5xx/timeouts before failing
    publish_retry_seconds: float = 2.0  # first backoff; doubles per try
    publish_max_wait_seconds: float = 900.0  # longest rate-limit wait honoured in one run
    publish_lease_seconds: float = 60.0  # a worker that stops answering loses its publication
    # --- extension packaging ---
    extension_server_url: str = "http://localhost:8080"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'threadr.db'}"

    def public_base(self) -> str:
        """PUBLIC_URL without its trailing slash; "" when unset (links are then made from
        the request's own origin by the web door)."""
        return self.public_url.strip().rstrip("/")

    def public_origin(self) -> str:
        """An absolute base for places without a request (bots, CORS, OpenAPI, checkout):
        PUBLIC_URL, else this server's own address."""
        loopback = ("0.0.0.0", "::", "", "127.0.0.1", "::1")
        host = "localhost" if self.host in loopback else self.host
        return self.public_base() or f"http://{host}:{self.port}"

    @property
    def billing_configured(self) -> bool:
        return bool(self.stripe_secret_key and self.stripe_webhook_secret)

    @field_validator("trusted_proxies", "cors_origins", "extension_ids",
                     "fetch_allowed_ports", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _expand_user(cls, value: Any) -> Any:
        return Path(value).expanduser() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        return (init_settings,)  # the environment is read by from_env() only

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Read every field from its environment variable (see `.env.example`). Raises
        `SettingsError` with one line naming the variable (and the allowed values)."""
        values = _Environment(cls, os.environ if env is None else env)()
        try:
            return cls(**{**values, **overrides})
        except ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None

    def with_(self, **changes) -> Settings:
        """A copy with `changes`, validated like the original."""
        return type(self)(**{**dict(self), **changes})

    def safety_problems(self) -> list[str]:
        """Settings that must never run in production (one line each; `serve` refuses to
        start with them, `doctor` lists them)."""
        problems = []
        if self.is_production and self.fetch_allow_loopback:
            problems.append("FETCH_ALLOW_LOOPBACK=true is for tests only and is refused with "
                            "THREADR_ENV=production (it lets anyone make the server fetch "
                            "127.0.0.1).")
        if self.is_production and not self.token_encryption_key:
            problems.append("TOKEN_ENCRYPTION_KEY must be set with THREADR_ENV=production (it "
                            "encrypts the tokens of connected accounts).")
        return problems

    def public_dict(self) -> dict:
        """Every setting, secrets masked: for `threadr doctor` and start-up logs."""
        out = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, pydantic.SecretStr):
                value = "**********" if value else ""
            elif name in ("database_url", "redis_url") and value:
                value = _mask_url_password(value)
            out[name] = value if not isinstance(value, Path) else str(value)
        return out


def env_name(field: str) -> str:
    """The environment variable of a `Settings` field (`generator` → `THREADR_GENERATOR`)."""
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else field.upper()


class _Environment(EnvSettingsSource):
    """The environment source, reading a given mapping (os.environ by default)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty,
                              self.env_parse_none_str)


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    if field.lower() in Settings.model_fields:
        field = field.lower()
    name = next((n for n in Settings.model_fields if field in (n, env_name(n))), field)
    variable = env_name(name) if name in Settings.model_fields else field
    annotation = Settings.model_fields[name].annotation if name in Settings.model_fields else None
    secret = isinstance(annotation, type) and issubclass(annotation, pydantic.SecretStr)
    shown = "" if secret else f"={error.get('input')!r}"
    allowed = get_args(annotation) if get_origin(annotation) is Literal else ()
    if allowed:
        return f"invalid value for {variable}{shown}: allowed values are {', '.join(allowed)}"
    return f"invalid value for {variable}{shown}: {error['msg']}"


def _mask_url_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":****@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
