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

    A message that is (mostly) a link asks for that page. Longer text is the article itself,
    keeping the first link in it as the source. Forwarded text always counts as an article;
    other link-less text must be long enough to be one.
    """
    body = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).strip()
    if not body:
        return None
    options = options or ThreadOptions()
    urls = find_links(body)
    if urls:
        rest = body
        for url in urls:
            rest = rest.replace(url, " ")
        if len(rest.strip()) <= _LINK_CHATTER and not forwarded:
            return ThreadRequest(url=with_scheme(urls[0]), options=options)
        return ThreadRequest(text=body, url=with_scheme(urls[0]), options=options)
    if forwarded or len(body) >= MIN_TEXT_CHARS:
        return ThreadRequest(text=body, options=options)
    return None


def request_from_command(argument: str, options: ThreadOptions | None = None) -> ThreadRequest | None:
    """`/thread <url or text>`: any non-empty argument is a request, short text included."""
    body = (argument or "").strip()
    if not body:
        return None
    if find_links(body):
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
