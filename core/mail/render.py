"""Mail from templates: `templates/<lang>/<kind>.txt` (first line `Subject: …`) and
`<kind>.html` (autoescaped Jinja2). The account's language when a template exists in it,
else English. Jinja2 is imported with the first mail, not with the server."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from core.mail.base import Message

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",),
                                            default_for_string=False),
        undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    )


def languages() -> frozenset[str]:
    return frozenset(p.name for p in TEMPLATES.iterdir() if p.is_dir() and p.name != "shared")


def pick_language(kind: str, language: str | None) -> str:
    lang = (language or "").split("-")[0].lower()
    if lang in languages() and (TEMPLATES / lang / f"{kind}.txt").exists():
        return lang
    return DEFAULT_LANGUAGE


def render(kind: str, to: str, language: str | None = None, **context) -> Message:
    lang = pick_language(kind, language)
    env = _environment()
    text = env.get_template(f"{lang}/{kind}.txt").render(**context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"{lang}/{kind}.txt must start with 'Subject: '")
    html = env.get_template(f"{lang}/{kind}.html").render(lang=lang, **context)
    return Message(to=to, subject=first.removeprefix("Subject: ").strip(),
                   text=body.lstrip("\n"), html=html, kind=kind)
