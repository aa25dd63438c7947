from __future__ import annotations

import pytest

from tests.mail.smtp_sink import SmtpSink, start


@pytest.fixture
def smtp():
    """A plain SMTP server on 127.0.0.1 (no TLS, no auth): (sink, url)."""
    sink = SmtpSink()
    controller = start(sink)
    yield sink, f"smtp://127.0.0.1:{controller.port}"
    controller.stop()
