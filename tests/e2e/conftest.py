"""A real `threadr serve` on a free port (temp THREADR_DATA_DIR) and headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures.accounts import remember_data_dir

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _command(port: int) -> list[str]:
    threadr = Path(sys.executable).with_name("threadr")
    if threadr.exists():
        return [str(threadr), "serve", "--host", "127.0.0.1", "--port", str(port)]
    return [sys.executable, "-m", "web.server", "--host", "127.0.0.1", "--port", str(port)]


def _wait_healthy(url: str, process: subprocess.Popen, attempts: int = 150) -> None:
    for _ in range(attempts):  # bounded: 150 × 0.1 s
        if process.poll() is not None:
            raise RuntimeError(f"threadr serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("threadr serve did not become healthy")


def start_server(tmp_path: Path, **env_overrides: str):
    """Start `threadr serve` on a free port; returns (process, base_url)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "STRIPE_"))},
        "THREADR_DATA_DIR": str(tmp_path / "data"),
        "THREADR_ENV": "test",
        "PUBLIC_URL": base_url,
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "THREADR_GENERATOR": "offline",
        **env_overrides,
    }
    process = subprocess.Popen(_command(port), cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        _wait_healthy(base_url, process)
        remember_data_dir(base_url, Path(env["THREADR_DATA_DIR"]))
    except Exception:
        process.kill()
        process.wait(10)
        raise
    return process, base_url


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@pytest.fixture(scope="module")
def threadr_server(tmp_path_factory):
    process, base_url = start_server(tmp_path_factory.mktemp("threadr-e2e"),
                                     FREE_DAILY_QUOTA="1000", BURST_PER_MINUTE="1000")
    yield base_url
    stop_server(process)


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, threadr_server):
    context = chromium.new_context(base_url=threadr_server,
                                   viewport={"width": 375, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=threadr_server)
    page = context.new_page()
    yield page
    context.close()
