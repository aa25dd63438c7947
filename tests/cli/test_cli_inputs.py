"""`threadr thread` input rules: summarize by default for a text file too (through the
configured generator), split only on request and warned past 25 posts, binary files refused
with one line (exit 2), the API's size limits unless --no-limit."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.standins.openai_server import OpenAIStandIn

REPO = Path(__file__).resolve().parents[2]
NOTES = "\n\n".join(
    f"Day {i}: the team planted {i * 3} street trees and measured the shade at noon; "
    f"blocks with a third under canopy were up to {i % 4 + 1} degrees cooler."
    for i in range(1, 9))
LONG_NOTES = " ".join(f"Note {i} records what the team measured on day {i} of the trial."
                      for i in range(1, 181))


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def test_a_text_file_is_summarized_by_default(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text(NOTES)
    result = run("thread", "-f", str(notes), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["options"]["mode"] == "summarize" and data["warnings"] == []


def test_split_past_25_posts_keeps_every_word_and_warns_on_stderr(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text(LONG_NOTES)
    result = run("thread", "-f", str(notes), "--mode", "split", "--numbering", "none",
                 "--link", "none")
    assert result.returncode == 0, result.stderr
    posts = result.stdout.strip().split("\n\n")
    assert len(posts) > 25 and " ".join(posts).split() == LONG_NOTES.split()
    warning = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warning) == 1 and f"{len(posts)} posts" in warning[0]
    assert "Summarize" in warning[0]


async def test_a_text_file_goes_through_the_configured_llm(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text(NOTES)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    async with OpenAIStandIn() as llm:
        env |= {"THREADR_GENERATOR": "llm", "OPENAI_BASE_URL": llm.base_url,
                "OPENAI_MODEL": "stand-in", "OPENAI_API_KEY": "sk-test",
                "THREADR_DATA_DIR": str(tmp_path / "data")}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli", "thread", "-f", str(notes), "--json", cwd=REPO,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["generator"] == "llm"
    assert len(llm.calls) == 1 and "Day 3" in llm.calls[0]["messages"][-1]["content"]


@pytest.mark.parametrize(("name", "content", "said"), [
    ("paper.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "is a PDF"),
    ("notes.txt", png(), "is a PNG image"),  # the magic bytes decide, not the name
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "is a JPEG image"),
    ("data.txt", b"Some words\x00\x01\x02 then binary", "NUL bytes"),
    ("blob.txt", bytes(range(128, 256)) * 40, "no text encoding reads it"),
])
def test_a_binary_file_is_refused_with_one_line(tmp_path, name, content, said):
    path = tmp_path / name
    path.write_bytes(content)
    result = run("thread", "-f", str(path))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert said in result.stderr and name in result.stderr


def test_binary_on_stdin_is_refused_too():
    result = subprocess_run_bytes(b"%PDF-1.4\n" + bytes(300))
    assert result.returncode == 2 and "stdin is a PDF" in result.stderr.decode()


def subprocess_run_bytes(data: bytes):
    return subprocess.run([sys.executable, "-m", "cli", "thread", "-f", "-"], input=data,
                          capture_output=True, timeout=60, cwd=REPO)


def test_legacy_and_utf16_text_files_are_read(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(NOTES.encode("utf-16"))
    result = run("thread", "-f", str(path), "--json", "--mode", "split", "--link", "none",
                 "--numbering", "none")
    assert result.returncode == 0, result.stderr
    posts = [p["text"] for p in json.loads(result.stdout)["posts"]]
    assert " ".join(posts).split() == NOTES.split()


def test_the_api_size_limits_apply_unless_no_limit(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("Trees cool streets in summer. " * 4000)  # 120 kB > 100 kB
    refused = run("thread", "-f", str(path))
    assert refused.returncode == 2 and refused.stderr.strip().count("\n") == 0
    assert "100 kB" in refused.stderr and "--no-limit" in refused.stderr
    result = run("thread", "-f", str(path), "--no-limit", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["posts"]


def test_a_huge_input_is_not_read_whole_without_no_limit(tmp_path):
    path = tmp_path / "huge.html"
    with path.open("wb") as handle:  # sparse: 30 MB of spaces, nothing written
        handle.seek(30_000_000)
        handle.write(b"<p>end</p>")
    result = run("thread", "-f", str(path))
    assert result.returncode == 2 and "--no-limit" in result.stderr
