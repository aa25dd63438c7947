"""`threadr thread -f notes.txt` imports only what it uses (start-up ≤ 0.5 s, issue 18).

Not a timing test: a real subprocess runs the command's code path and reports which modules
it imported. The heavy ones (HTML extraction, the SDKs, the web server, the database drivers,
the extraction fork server) must not be among them for offline text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("trafilatura", "lxml", "aiohttp", "openai", "stripe", "telegram", "discord", "redis",
         "asyncpg", "aiosqlite", "prometheus_client", "jwt", "cryptography", "multiprocessing",
         "charset_normalizer", "web", "bots")

PROBE = """
import contextlib, io, json, sys
from cli.main import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    status = main(sys.argv[1:])
print(json.dumps({"status": status, "out": out.getvalue(),
                  "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _probe(*args: str, env_extra: dict | None = None) -> dict:
    import os

    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_offline_text_thread_imports_no_heavy_module(tmp_path):
    source = tmp_path / "short.txt"
    source.write_text("Tiny forests grow fast. Cities plant them on vacant lots. "
                      "Critics want long-term data before the next hundred sites.")
    result = _probe("thread", "-f", str(source), env_extra={"THREADR_DATA_DIR": str(tmp_path)})
    assert result["status"] == 0
    assert "Tiny forests" in result["out"]  # the command really ran the generator
    loaded = set(result["modules"]) & set(HEAVY)
    assert not loaded, f"`threadr thread -f short.txt` imported {sorted(loaded)}"


def test_the_probe_sees_heavy_imports(tmp_path):
    """The same probe on an HTML file: the extractor is imported (the check can fail)."""
    page = tmp_path / "page.html"
    page.write_text("<html><body><article><h1>Tiny forests</h1><p>Cities plant tiny forests "
                    "on vacant lots, and critics want long-term data first.</p>"
                    "<p>Researchers monitor two hundred sites.</p></article></body></html>")
    result = _probe("thread", "--html", str(page), "--url", "https://example.org/a",
                    env_extra={"THREADR_DATA_DIR": str(tmp_path)})
    assert "trafilatura" in result["modules"] or "lxml" in result["modules"]
