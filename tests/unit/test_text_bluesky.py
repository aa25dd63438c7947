"""Bluesky: grapheme clusters agree with ICU (what Intl.Segmenter in the Bluesky apps uses),
and facets carry the right UTF-8 byte ranges."""

from __future__ import annotations

import json
import random
import shutil
import subprocess

from core.text.facets import LINK, MENTION, TAG, facets
from core.text.graphemes import grapheme_spans

# code points where UAX #29 rules differ: CR/LF, controls, combining marks, ZWJ, emoji
# modifiers, regional indicators, Hangul jamo and syllables, prepend, spacing marks,
# Indic viramas and linkers (GB9c), variation selectors, tags
TRICKY = [
    "\r", "\n", "\x01", "\u0301", "\u0308", "\u200d", "\u200c", "\U0001f3fd", "\U0001f1ef",
    "\U0001f1f5", "\u1100", "\u1161", "\u11a8", "\uac00", "\uac01", "\u0600", "\u0903",
    "\u0915", "\u094d", "\u0937", "\u09cd", "\u0995", "\ufe0f", "\U000e0067", "\U000e007f",
    "\U0001f468", "\U0001f469", "\U0001f9d1", "\u2764", "\U0001f44d", "a", " ", "\u0e33",
    "\u0e01", "\u1f00", "\u00ad", "\u034f", "\U0001f3f4", "\u0d4e", "\u0d15", "\u0d4d",
]
SEGMENT = """
const texts = JSON.parse(require("fs").readFileSync(0, "utf8"));
const seg = new Intl.Segmenter("en", {granularity: "grapheme"});
process.stdout.write(JSON.stringify(texts.map(t => [...seg.segment(t)].map(s => s.index))));
"""


def corpus(count: int = 3000, seed: int = 29) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        pieces = [rnd.choice(TRICKY) if rnd.random() < 0.8 else chr(rnd.randrange(0x20, 0x2FFFF))
                  for _ in range(rnd.randint(1, 12))]
        text = "".join(pieces)
        if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            out.append(text)
    return out


def utf16_starts(text: str) -> list[int]:
    """Grapheme starts by `grapheme_spans`, as UTF-16 offsets (what JS reports)."""
    starts, units, pos = [], 0, 0
    for start, _ in grapheme_spans(text):
        units += len(text[pos:start].encode("utf-16-le")) // 2
        pos = start
        starts.append(units)
    return starts


def test_grapheme_clusters_match_icu_intl_segmenter():
    node = shutil.which("node")
    assert node, "node (v20) is required for the ICU grapheme oracle"
    texts = corpus()
    done = subprocess.run([node, "-e", SEGMENT], input=json.dumps(texts), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    icu = json.loads(done.stdout)
    mismatches = [t for t, want in zip(texts, icu, strict=True) if utf16_starts(t) != want]
    assert mismatches == [], [t.encode("unicode_escape") for t in mismatches[:5]]


def test_facets_have_utf8_byte_ranges_of_links_mentions_and_tags():
    text = "Ça marche 🎉 https://example.com/x, voir example.org et @alice.bsky.social #Ünïcode!"
    found = facets(text)
    raw = text.encode("utf-8")
    spans = [(f.kind, raw[f.byte_start:f.byte_end].decode(), f.value) for f in found]
    assert spans == [
        (LINK, "https://example.com/x", "https://example.com/x"),
        (LINK, "example.org", "https://example.org"),
        (MENTION, "@alice.bsky.social", "alice.bsky.social"),
        (TAG, "#Ünïcode", "Ünïcode"),
    ]
    assert found[0].record()["index"] == {"byteStart": 16, "byteEnd": 37}
    assert found[2].record("did:plc:abc")["features"] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:abc"}]


def test_not_facets_emails_numbers_only_tags_and_mentions_without_a_domain():
    assert facets("mail bob@example.com about #2024 and @alice or #") == []
    assert [f.kind for f in facets("#" + "a" * 65 + " #ok")] == [TAG]
