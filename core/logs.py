"""JSON logs with a request id. Never log secrets or article bodies: log ids, sizes, codes."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if (rid := request_id_var.get()) is not None:
            entry["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


# Third-party loggers kept at WARNING whatever LOG_LEVEL says: aiosqlite logs every SQL
# statement with its parameters (article text, hashes) at DEBUG.
NOISY_LOGGERS = ("aiohttp.access", "aiosqlite", "httpx", "telegram.ext.Updater")


def configure_logging(settings, *, quiet: bool = False) -> None:
    """JSON lines to stderr (or plain text when LOG_JSON=false); `quiet` for CLI output."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel("WARNING" if quiet else settings.log_level.upper())
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel("WARNING")
