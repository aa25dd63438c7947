"""Versioned prompt files. A prompt's version is part of the thread cache key.

`load_prompt("thread", 1)` reads `thread_v1.md`; `Prompt.render(**values)` fills `{{name}}`
placeholders and returns the (system, user) messages. Files are read on demand, never at
import time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_DIR = Path(__file__).resolve().parent
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_COMMENT = re.compile(r"<!--.*?-->\s*", re.S)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: str
    user: str

    @property
    def id(self) -> str:
        return f"{self.name}_v{self.version}"

    def render(self, **values: object) -> tuple[str, str]:
        """Both messages with every placeholder filled; a missing value is a KeyError."""
        def fill(template: str) -> str:
            return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)

        return fill(self.system), fill(self.user)


def load_prompt(name: str, version: int) -> Prompt:
    text = _COMMENT.sub("", (_DIR / f"{name}_v{version}.md").read_text(encoding="utf-8"))
    _, _, rest = text.partition("=== system ===")
    system, _, user = rest.partition("=== user ===")
    if not system.strip() or not user.strip():
        raise ValueError(f"prompt {name}_v{version} needs a system and a user section")
    return Prompt(name, version, system.strip(), user.strip())
