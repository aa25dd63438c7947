"""Reading the model's `{"posts": [...]}` answer: incrementally while it streams, and whole.

`PostStreamParser.feed(chunk)` returns the posts whose JSON string has just closed, so a
surface can show each post as soon as the model finishes writing it. It is a small
character-level JSON scanner: a string is decoded only once its closing quote arrives, so
chunk boundaries inside escapes (`\\n`, `\\u00e9`) or between the halves of a surrogate pair
(`\\ud83d\\ude00`) need no special care. Posts are accepted as `posts: ["…"]` or
`posts: [{"text": "…"}]`; anything before the first `{` (code fences, "Sure! Here is…") and
after the top-level object closes (trailing prose) is ignored.

`parse_posts(text)` is the tolerant whole-answer parser; it raises `InvalidModelOutput`.
`read_drafts(text)` also accepts an answer cut off mid-JSON, keeping its complete posts.

`ChunkDecoder.feed(data)` reads the streamed chat completion itself (server-sent events, the
bytes as they arrive) into the JSON chunks it carries, as plain dicts.
"""

from __future__ import annotations

import json
import re

# strict=False: models often put raw newlines or tabs inside JSON strings.
_DECODER = json.JSONDecoder(strict=False)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)


class InvalidModelOutput(ValueError):
    """The model's answer holds no usable list of posts."""


class StreamError(Exception):
    """The answer stream failed after it began: the server sent an error event
    (`{"error": …}`) or the connection broke. Retried like any connection error."""


class ChunkDecoder:
    """The `data:` payloads of a chat completion's event stream, decoded as JSON, up to
    `data: [DONE]` (then `done`). An event may span several `data:` lines (joined with a
    newline, per the SSE spec); other fields and comments are skipped. Bytes are kept only
    until their line ends, so a held stream keeps no more than one partial line."""

    __slots__ = ("_tail", "_data", "done")  # one per held stream

    def __init__(self) -> None:
        self._tail = b""
        self._data: list[bytes] = []
        self.done = False

    def feed(self, data: bytes) -> list[dict]:
        chunks: list[dict] = []
        *lines, self._tail = (self._tail + data).split(b"\n")
        for line in lines:
            line = line.removesuffix(b"\r")
            if line:
                if line.startswith(b"data:"):
                    self._data.append(line[6:] if line[5:6] == b" " else line[5:])
            elif self._data and not self.done:
                self._dispatch(b"\n".join(self._data), chunks)
                self._data = []
        return chunks

    def _dispatch(self, payload: bytes, chunks: list[dict]) -> None:
        if payload.startswith(b"[DONE]"):
            self.done = True
            return
        chunk = json.loads(payload)
        if isinstance(chunk, dict):
            if chunk.get("error"):
                error = chunk["error"]
                message = error.get("message") if isinstance(error, dict) else None
                raise StreamError(message if isinstance(message, str) and message
                                  else "An error occurred during streaming")
            chunks.append(chunk)


class PostStreamParser:
    __slots__ = ("_started", "_done", "_stack", "_in_string", "_escape", "_raw")  # one a stream

    def __init__(self) -> None:
        self._started = False
        self._done = False
        # One frame per open container: [kind, key, expecting_key]; kind "obj" or "arr".
        self._stack: list[list] = []
        self._in_string = False
        self._escape = False
        self._raw: list[str] = []

    def feed(self, chunk: str) -> list[str]:
        out: list[str] = []
        start = 0  # where the open string's characters begin in this chunk
        for i, ch in enumerate(chunk):
            if self._done:
                break
            if self._in_string:
                if self._escape:
                    self._escape = False
                elif ch == "\\":
                    self._escape = True
                elif ch == '"':
                    self._in_string = False
                    self._raw.append(chunk[start:i])
                    self._close_string(out)
            elif not self._started:
                if ch == "{":
                    self._started = True
                    self._stack.append(["obj", None, True])
            elif ch == '"':
                self._in_string, self._raw, start = True, [], i + 1
            else:
                self._structural(ch)
        if self._in_string:  # the string goes on in the next chunk: keep its part, in one piece
            self._raw.append(chunk[start:])
        return out

    def _structural(self, ch: str) -> None:
        top = self._stack[-1]
        if ch in "{[":
            self._stack.append(["obj" if ch == "{" else "arr", None, ch == "{"])
        elif ch in "}]":
            self._stack.pop()
            if not self._stack:
                self._done = True
        elif ch == "," and top[0] == "obj":
            top[1], top[2] = None, True

    def _close_string(self, out: list[str]) -> None:
        top = self._stack[-1]
        try:
            value = _DECODER.decode('"' + "".join(self._raw) + '"')
        except ValueError:
            value = None
        if top[0] == "obj" and top[2]:
            top[1], top[2] = value, False
            return
        if isinstance(value, str) and self._is_post_path():
            out.append(value)

    def _is_post_path(self) -> bool:
        kinds = [(f[0], f[1]) for f in self._stack]
        if len(kinds) == 2:
            return kinds[0] == ("obj", "posts") and kinds[1][0] == "arr"
        if len(kinds) == 3:
            return (kinds[0] == ("obj", "posts") and kinds[1][0] == "arr"
                    and kinds[2] == ("obj", "text"))
        return False


def read_drafts(text: str) -> list[str]:
    """`parse_posts`, or else the posts that were complete in a cut-off answer (the model hit
    its token limit mid-JSON): those strings closed, so they are whole posts."""
    try:
        return parse_posts(text)
    except InvalidModelOutput:
        salvaged = PostStreamParser().feed(text)
        if salvaged:
            return salvaged
        raise


def parse_posts(text: str) -> list[str]:
    """The posts in a whole answer: strict JSON, fenced JSON, or JSON followed by prose."""
    for candidate in _candidates(text):
        posts = _posts_from(candidate)
        if posts is not None:
            return posts
    raise InvalidModelOutput("the model did not answer with a JSON list of posts")


def _candidates(text: str):
    yield text
    for match in _FENCE.finditer(text):
        yield match.group(1)
    for opener in "{[":
        start = text.find(opener)
        if start >= 0:
            yield text[start:]


def _posts_from(candidate: str) -> list[str] | None:
    try:
        value, _ = _DECODER.raw_decode(candidate.strip())
    except ValueError:
        return None
    if isinstance(value, dict):
        value = value.get("posts")
    if not isinstance(value, list):
        return None
    posts = [p.get("text") if isinstance(p, dict) else p for p in value]
    posts = [p for p in posts if isinstance(p, str)]
    return posts or None
