"""A small spec-compliant Server-Sent Events parser (WHATWG HTML, "event stream interpretation")."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_LINES = re.compile(r"\r\n|\r|\n")


@dataclass
class Event:
    event: str
    data: str
    id: str | None = None

    def json(self):
        return json.loads(self.data)


def parse_sse(stream: str) -> tuple[list[Event], int]:
    """(events, number of comment lines). An unterminated last event is discarded, per spec."""
    events: list[Event] = []
    comments = 0
    event_type, data, last_id = "", [], None
    lines = _LINES.split(stream)
    lines.pop()  # the text after the last line break is an incomplete line
    for line in lines:
        if line == "":
            if data:
                events.append(Event(event_type or "message", "\n".join(data), last_id))
            event_type, data = "", []
            continue
        if line.startswith(":"):
            comments += 1
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            event_type = value
        elif name == "data":
            data.append(value)
        elif name == "id" and "\0" not in value:
            last_id = value
    return events, comments
