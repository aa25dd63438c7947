"""One settings object, read from the environment once at start-up.

Every variable is documented, with its default, in `.env.example`. Nothing else in Threadr
reads `os.environ`. Secrets (JWT_SECRET, OPENAI_API_KEY, STRIPE_*, bot tokens) are kept in
`SecretStr` so they never show up in a repr or a log line.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from platformdirs import user_data_dir

from core.datadir import private_dir


class SecretStr(str):
    """A string whose repr/str in logs is masked. Use `.reveal()` where the value is needed."""

    def __repr__(self) -> str:
        return "SecretStr('**********')" if self else "SecretStr('')"

    def reveal(self) -> str:
        return str.__str__(self)

    def masked(self) -> str:
        return "**********" if self else ""


def _bool(value: str) -> bool:
    v = value.strip().lower()
    if v in {"1", "true", "yes", "on"}:
        return True
    if v in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _csv(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def default_data_dir() -> Path:
    return Path(user_data_dir("threadr", appauthor=False))


@dataclass(frozen=True)
class Settings:
    # --- general ---
    env: str = "development"  # THREADR_ENV: development | production | test
    data_dir: Path = field(default_factory=default_data_dir)  # THREADR_DATA_DIR
    log_level: str = "INFO"
    log_json: bool = True
    public_url: str = ""  # PUBLIC_URL: where people reach the web page ("": the request's origin)
    # --- web ---
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
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
    migrations_dir: str = ""  # "" → the repository's migrations/ folder
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
    generator: str = "offline"  # offline | llm
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
    stripe_mode: str = "payment"  # payment | subscription
    premium_price_cents: int = 499
    premium_currency: str = "usd"
    premium_days: int = 30
    # --- bots ---
    telegram_token: SecretStr = SecretStr("")
    telegram_api_base: str = ""  # e.g. http://127.0.0.1:8081/bot for a stand-in
    telegram_webhook_secret: SecretStr = SecretStr("")
    telegram_mode: str = "polling"  # polling | webhook
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

    @property
    def llm_configured(self) -> bool:
        return self.generator == "llm" and bool(self.openai_base_url or self.openai_api_key)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Read every field from its upper-case environment variable (see `.env.example`)."""
        env = os.environ if env is None else env
        values: dict = {}
        for f in fields(cls):
            name = _ENV_NAMES.get(f.name, f.name.upper())
            if name not in env:
                continue
            raw = env[name]
            if raw == "" and str(f.type) not in ("str", "SecretStr", "tuple[str, ...]"):
                continue  # an empty value means "use the default"
            values[f.name] = _convert(f.name, cls.__dataclass_fields__[f.name].type, raw)
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> Settings:
        from dataclasses import replace

        return replace(self, **changes)

    def resolved_jwt_secret(self) -> str:
        """The JWT key. Production requires JWT_SECRET; the embedded default persists one."""
        return self._secret(self.jwt_secret, "JWT_SECRET", "jwt_secret",
                            lambda: secrets.token_urlsafe(48))

    def resolved_token_key(self) -> str:
        """The key encrypting destination tokens at rest (Fernet). Production requires
        TOKEN_ENCRYPTION_KEY; the embedded default generates one into the data dir (0600)."""
        from cryptography.fernet import Fernet

        return self._secret(self.token_encryption_key, "TOKEN_ENCRYPTION_KEY",
                            "token_encryption_key", lambda: Fernet.generate_key().decode())

    def _secret(self, value: SecretStr, env_name: str, file_name: str, generate) -> str:
        if value:
            return value.reveal()
        if self.is_production:
            raise RuntimeError(f"{env_name} must be set in production (THREADR_ENV=production)")
        path = self.data_dir / file_name
        if path.exists():
            return path.read_text().strip()
        private_dir(path.parent)
        secret = generate()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secret)
        return secret

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
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, SecretStr):
                value = value.masked()
            elif f.name in ("database_url", "redis_url") and value:
                value = _mask_url_password(value)
            out[f.name] = value if not isinstance(value, Path) else str(value)
        return out


_ENV_NAMES = {
    "env": "THREADR_ENV",
    "data_dir": "THREADR_DATA_DIR",
    "host": "THREADR_HOST",
    "port": "THREADR_PORT",
    "workers": "THREADR_WORKERS",
    "generator": "THREADR_GENERATOR",
    "migrations_dir": "THREADR_MIGRATIONS_DIR",
}


def _convert(name: str, type_: str, raw: str):
    t = str(type_)
    try:
        if t == "SecretStr":
            return SecretStr(raw)
        if t == "Path":
            return Path(raw).expanduser()
        if t == "bool":
            return _bool(raw)
        if t == "int":
            return int(raw)
        if t == "float":
            return float(raw)
        if t == "tuple[int, ...]":
            return tuple(int(x) for x in _csv(raw))
        if t == "tuple[str, ...]":
            return _csv(raw)
        return raw
    except ValueError as exc:
        raise ValueError(f"invalid value for {name.upper()}: {exc}") from None


def _mask_url_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":****@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
