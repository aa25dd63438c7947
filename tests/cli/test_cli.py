"""The `threadr` command as a person runs it: a real subprocess, offline, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ARTICLE = """<html lang="en"><head><title>Why cities are planting tiny forests</title>
<meta property="og:site_name" content="Green Gazette"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Why cities are planting tiny forests</h1>
<p>Across Europe and Asia, cities are turning vacant lots the size of a tennis court into dense
"tiny forests". The method, developed by the Japanese botanist Akira Miyawaki, packs three to
five native saplings into every square metre of soil.</p>
<p>Supporters say the forests grow ten times faster than conventional plantings and attract a
surprising variety of insects and birds within three years. Schools use them as outdoor
classrooms, and neighbours help plant and water them.</p>
<p>Critics point out that the early growth rates come from small studies. Long-term data on
survival, carbon storage and maintenance costs is still thin, and some projects have lost
half their trees after dry summers.</p>
<p>City officials say the forests are cheap compared with parks, and that the benefits for
heat, noise and biodiversity justify the experiment while better data is collected.</p>
<p>Researchers in the Netherlands are now monitoring more than two hundred sites to settle the
question of how well tiny forests really work over a decade.</p>
</article><footer>© Green Gazette. Subscribe to our newsletter.</footer></body></html>"""


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], input=stdin, capture_output=True,
        text=True, timeout=60, cwd=Path(__file__).resolve().parents[2],
    )


@pytest.fixture
def article_file(tmp_path) -> Path:
    path = tmp_path / "article.html"
    path.write_text(ARTICLE)
    return path


def test_help_lists_the_commands():
    out = run("--help").stdout
    for command in ("serve", "thread", "migrate", "doctor", "telegram", "discord", "billing",
                    "extension", "worker", "publish", "admin"):
        assert command in out


def test_an_html_file_becomes_a_json_thread_offline(article_file):
    result = run("thread", "-f", str(article_file), "--json", "--url", "https://green.example/f")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["generator"] == "offline"
    assert data["source"]["title"] == "Why cities are planting tiny forests"
    assert 2 <= len(data["posts"]) <= 12
    for post in data["posts"]:
        assert 0 < post["weighted_length"] <= 280
    assert "https://green.example/f" in data["posts"][-1]["text"]


def test_text_from_stdin_split_on_request_loses_nothing():
    words = [f"word{i}" for i in range(300)]
    result = run("thread", "-f", "-", "--json", "--numbering", "none", "--mode", "split",
                 stdin=" ".join(words))
    assert result.returncode == 0, result.stderr
    posts = [p["text"] for p in json.loads(result.stdout)["posts"]]
    assert " ".join(posts).split() == words


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("thread", "-f", "/nonexistent/file.txt"), "cannot read"),
        (("thread",), "exactly one"),
        (("thread", "http://127.0.0.1/admin"), "address"),
        (("thread", "ftp://example.com/x"), ""),
        (("thread", "-f", "-", "--max-posts", "99"), "between 1 and 25"),
    ],
)
def test_bad_input_gets_one_clear_line_and_a_non_zero_exit(args, message):
    result = run(*args, stdin="some text")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert message.lower() in result.stderr.lower()


def test_an_empty_input_is_refused():
    result = run("thread", "-f", "-", stdin="   \n ")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_a_thread_for_bluesky_follows_its_rules(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text(" ".join(f"Point {i} is about https://example.com/{'x' * 48}/{i} here."
                             for i in range(30)))
    result = run("thread", "-f", str(text), "--mode", "split", "--platform", "bluesky", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["options"]["platform"] == "bluesky"
    assert all(p["weighted_length"] == len(p["text"]) <= 300 for p in data["posts"])
    assert any(p["weighted_length"] > 280 for p in data["posts"])  # longer than X allows
