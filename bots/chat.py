"""The chat layer both bots share, pure: a message or command in, a core request out.

No I/O and no bot library here. Handlers parse with `parse_command` and
`request_from_message` / `request_from_command`, call one step of `bots.chat_flow`, and answer
with `bots.chat_texts` (what to say) and `bots.chat_format` (threads as messages).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.models import Mode, ThreadOptions, ThreadRequest

# A message that is little more than a link is a link; longer text around it is the article.
_LINK_CHATTER = 200
_EXPLICIT_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_EXPLICIT_START = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
_CLOSING = ".,;:!?)]}'\"»”’…"  # punctuation that may follow a link in a sentence
# Below this, plain chat without a link ("hi", "thanks") is not an article.
MIN_TEXT_CHARS = 80

@dataclass(frozen=True, slots=True)
class Command:
    name: str  # "thread", "usage", … ("" for a plain message)
    argument: str  # what follows the command, stripped


def parse_command(text: str) -> Command:
    """`/thread@ThreadrBot https://…` → Command("thread", "https://…"); plain text → name ""."""
    stripped = (text or "").strip()
    if not stripped.startswith("/"):
        return Command("", stripped)
    head, _, rest = stripped.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = more + (" " + rest if rest else "")
    name = head[1:].split("@", 1)[0].lower()
    return Command(name, rest.strip())


def request_from_message(
    text: str, *, forwarded: bool = False, options: ThreadOptions | None = None
) -> ThreadRequest | None:
    """The thread request a chat message asks for, or None when it is not one.

    Only a message that IS a link, or STARTS with an explicit one (http(s):// or www.), asks
    for a page: with a short comment after it, that page; with a long text after it, that
    text is the article and the link its source. A domain or file name inside the text
    ("setup.py", "example.com") is never the article's link. Forwarded text always counts as
    an article; other text must be long enough to be one. The mode is the default
    (summarize) unless `options` says otherwise.
    """
    body = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).strip()
    if not body:
        return None
    options = options or ThreadOptions()
    link, rest = leading_link(body)
    if link and not rest:
        return ThreadRequest(url=link, options=options)
    if link and len(rest) <= _LINK_CHATTER and not forwarded:
        return ThreadRequest(url=link, options=options)
    if link:
        return ThreadRequest(text=rest, url=link, options=options)
    if forwarded or len(body) >= MIN_TEXT_CHARS:
        return ThreadRequest(text=body, options=options)
    return None


def leading_link(body: str) -> tuple[str | None, str]:
    """(the link a message is or starts with, with its scheme; the text after it), or
    (None, body). A message that is only a link may omit the scheme ("example.com/a");
    one that goes on after it must start with http(s):// or www."""
    first, rest = (body.split(maxsplit=1) + [""])[:2]
    links = find_links(first)
    if not links or not first.startswith(links[0]):
        return None, body
    tail = first[len(links[0]):]
    if tail.strip(_CLOSING) or (rest and not _EXPLICIT_START.match(first)):
        return None, body
    return with_scheme(links[0]), rest.strip()


def request_from_command(argument: str, options: ThreadOptions | None = None) -> ThreadRequest | None:
    """`/thread <url or text>`: any non-empty argument is a request, short text included."""
    body = (argument or "").strip()
    if not body:
        return None
    if leading_link(body)[0]:
        return request_from_message(body, options=options)
    return ThreadRequest(text=body, options=options or ThreadOptions())


def find_links(text: str) -> list[str]:
    """URLs in free text, in order: what X detects (scheme optional), plus explicit
    http(s) links X does not count as URLs (IP literals, localhost), so a person pasting one
    gets a clear answer about that address rather than a thread of the link's text."""
    from core.text import find_urls

    spans = list(find_urls(text))
    for match in _EXPLICIT_URL.finditer(text):
        start = match.start()
        end = start + len(match.group(0).rstrip(".,;:!?)]}'"))
        if not any(s < end and start < e for s, e in spans):
            spans.append((start, end))
    return [text[start:end] for start, end in sorted(spans)]


def with_scheme(url: str) -> str:
    return url if "://" in url else "https://" + url


def shorter_options(options: ThreadOptions, posts: int) -> ThreadOptions:
    """Options for a shorter take: about two thirds of the posts, at least two."""
    target = max(2, min(posts - 1, (posts * 2) // 3)) if posts > 2 else max(1, posts - 1)
    return options.with_(max_posts=target, mode=Mode.SUMMARIZE)
