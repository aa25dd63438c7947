"""The JS port (web/static/js/weighted-length.js) counts exactly like core.text."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import yaml

from core.text import weighted_length

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "web" / "static" / "js" / "weighted-length.js"
VALIDATE = ROOT / ".." / "shared" / "conformance" / "twitter-text" / "conformance" / "validate.yml"
SECTIONS = ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest",
            "WeightedTweetsCounterTest")
V2_EXTRAS = ("'A\u0301' is normalized into 1 char", "\ufb2c is normalized into 3 chars",
             "Handle General Punctuation Characters with visible spaces(u2000-200A)")
RUNNER = """
import { weightedLength } from %s;
import { readFileSync } from "node:fs";
const texts = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(texts.map(weightedLength)));
"""
PIECES = [
    "plain words", "https://example.com/a?b=c", "t.co/abc123", "example.co.uk/x", "日本語です。",
    "😀", "👍🏽", "👨‍👩‍👧‍👦", "🇯🇵", "❤️", "#️⃣", "1\u20e3", "café", "e\u0301", "3.14", "@alice", "#tag",
    "\r\n", "\n", "ทดสอบ", "“quotes” … —", "http://twitter.com/これは日本語です。example.com中国語",
    "\u2066\u202ahttp://foobar.com/\u202c", "a@b.com", "x" * 70 + ".com", "\ufb2c", "ABC\ufffe",
    "https://twitter.香港", "\U0001faf8", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
]


def mixed_corpus(count: int = 300, seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    return [rnd.choice(["", " "]).join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 10)))
            for _ in range(count)]


def conformance_texts() -> list[str]:
    if not VALIDATE.exists():
        return []
    tests = yaml.safe_load(VALIDATE.read_text("utf-8"))["tests"]
    return [case["text"] for section in SECTIONS for case in tests[section]]


def js_lengths(texts: list[str], tmp_path: Path) -> list[int]:
    node = shutil.which("node")
    assert node, "node (v20) is required to test the JS port"
    script = tmp_path / "run.mjs"
    script.write_text(RUNNER % json.dumps(MODULE.as_uri()), "utf-8")
    done = subprocess.run([node, str(script)], input=json.dumps(texts), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_js_weighted_length_matches_python_on_conformance_and_mixed_texts(tmp_path):
    texts = conformance_texts() + PIECES + mixed_corpus()
    assert len(texts) >= len(PIECES) + 300
    expected = [weighted_length(t) for t in texts]
    got = js_lengths(texts, tmp_path)
    assert [(t, g) for t, g, e in zip(texts, got, expected, strict=True) if g != e] == []


def test_js_port_passes_the_27_conformance_cases(tmp_path):
    if not VALIDATE.exists():
        texts, expected = ["Hi http://test.co", "1\u20e3", "A\u0301B"], [26, 2, 2]
    else:
        tests = yaml.safe_load(VALIDATE.read_text("utf-8"))["tests"]
        cases = [c for s in SECTIONS[:2] for c in tests[s]]
        cases += [c for c in tests[SECTIONS[2]] if c["description"] in V2_EXTRAS]
        assert len(cases) == 27
        texts = [c["text"] for c in cases]
        expected = [c["expected"]["weightedLength"] for c in cases]
    assert js_lengths(texts, tmp_path) == expected


def test_js_data_is_generated_from_the_same_sources_as_python(tmp_path):
    from core.text.datafiles import emoji_sequences, tlds, trie_regex

    script = tmp_path / "data.mjs"
    data_uri = (MODULE.parent / "weighted-length-data.js").as_uri()
    script.write_text(f"import * as d from {json.dumps(data_uri)};\n"
                      "process.stdout.write(JSON.stringify(d));\n", "utf-8")
    done = subprocess.run([shutil.which("node") or "node", str(script)], capture_output=True,
                          text=True, timeout=60, check=True)
    data = json.loads(done.stdout)
    assert data["TLD_COUNTRY"] == trie_regex(tlds()["country"])
    assert data["TLD_GENERIC"] == trie_regex(tlds()["generic"])
    assert data["EMOJI"] == trie_regex(emoji_sequences())
