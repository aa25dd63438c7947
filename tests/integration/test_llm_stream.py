"""The model's JSON answer read incrementally (while streaming) and whole (tolerantly)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.generate.llm_stream import (
    ChunkDecoder,
    InvalidModelOutput,
    PostStreamParser,
    StreamError,
    parse_posts,
    read_drafts,
)


def feed_in_chunks(text: str, sizes: list[int]) -> list[str]:
    parser, out, i = PostStreamParser(), [], 0
    for size in sizes:
        out += parser.feed(text[i:i + size])
        i += size
    out += parser.feed(text[i:])
    return out


def test_each_post_is_returned_as_soon_as_its_string_closes():
    parser = PostStreamParser()
    assert parser.feed('{"posts": ["first po') == []
    assert parser.feed('st", "sec') == ["first post"]
    assert parser.feed('ond post"]}') == ["second post"]


def test_posts_given_as_objects_with_text_are_read():
    text = '{"posts": [{"text": "a", "n": 1}, {"n": 2, "text": "b"}]}'
    assert feed_in_chunks(text, [1] * len(text)) == ["a", "b"]


def test_prose_and_fences_around_the_json_are_ignored_while_streaming():
    text = 'Sure! Here it is:\n```json\n{"posts": ["a", "b"]}\n```\nHope this helps: "x"'
    assert feed_in_chunks(text, [3] * 40) == ["a", "b"]


def test_other_string_values_are_not_mistaken_for_posts():
    text = '{"title": "t", "posts": ["a"], "notes": ["n"], "meta": {"posts": ["z"]}}'
    assert feed_in_chunks(text, [2] * 60) == ["a"]


def test_escapes_and_surrogate_pairs_split_across_chunks_decode_correctly():
    posts = ['quote " and \\ back', "line\nbreak", "emoji 😀 and é", "tab\there"]
    text = json.dumps({"posts": posts}, ensure_ascii=True)  # 😀 → \ud83d\ude00
    assert feed_in_chunks(text, [1] * len(text)) == posts


@settings(max_examples=150, deadline=None)
@given(
    posts=st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=6),
    sizes=st.lists(st.integers(min_value=1, max_value=7), max_size=200),
    ascii_only=st.booleans(),
)
def test_any_chunking_of_any_posts_gives_back_the_same_posts(posts, sizes, ascii_only):
    text = json.dumps({"posts": posts}, ensure_ascii=ascii_only)
    assert feed_in_chunks(text, sizes) == json.loads(text)["posts"]


@pytest.mark.parametrize("answer", [
    '{"posts": ["a", "b"]}',
    '```json\n{"posts": ["a", "b"]}\n```',
    'Here you go:\n```\n{"posts": ["a", "b"]}\n```\nEnjoy!',
    '{"posts": ["a", "b"]}\n\nI kept every post short.',
    '["a", "b"]',
    '{"posts": [{"text": "a"}, {"text": "b"}]}',
])
def test_whole_answers_in_common_shapes_are_parsed(answer):
    assert parse_posts(answer) == ["a", "b"]


@pytest.mark.parametrize("answer", [
    "", "I cannot help with that.", '{"posts": "a b c"}', '{"posts": []}', '{"posts": ["a", ',
])
def test_answers_without_a_list_of_posts_are_invalid(answer):
    with pytest.raises(InvalidModelOutput):
        parse_posts(answer)


def test_a_cut_off_answer_keeps_only_its_complete_posts():
    assert read_drafts('```json\n{"posts": ["a", "b", "c is cut') == ["a", "b"]


def test_a_cut_off_answer_without_a_complete_post_is_invalid():
    with pytest.raises(InvalidModelOutput):
        read_drafts('{"posts": ["a is cut')


def test_raw_newlines_inside_strings_are_tolerated():
    answer = '{"posts": ["line one\nline two", "b"]}'  # a raw newline: invalid strict JSON
    assert parse_posts(answer) == ["line one\nline two", "b"]
    assert feed_in_chunks(answer, [5] * 10) == ["line one\nline two", "b"]


def decode(stream: bytes, size: int) -> tuple[list[dict], bool]:
    decoder, chunks = ChunkDecoder(), []
    for i in range(0, len(stream), size):
        chunks += decoder.feed(stream[i:i + size])
    return chunks, decoder.done


@pytest.mark.parametrize("size", [1, 3, 7, 1000])
def test_sse_chunks_are_decoded_whatever_the_byte_boundaries(size):
    stream = (b': keep-alive\r\n\r\nevent: ignored\ndata: {"a": 1}\n\n'
              b'data:{"b": "\xc3\xa9"}\r\n\r\n'
              b'data: {"c":\ndata: [3]}\n\ndata: [DONE]\n\ndata: {"late": 1}\n\n')
    assert decode(stream, size) == ([{"a": 1}, {"b": "\u00e9"}, {"c": [3]}], True)


def test_an_sse_stream_that_just_ends_is_not_done():
    assert decode(b'data: {"a": 1}\n\ndata: {"b"', 5) == ([{"a": 1}], False)


def test_an_error_event_mid_stream_is_a_stream_error():
    with pytest.raises(StreamError, match="overloaded"):
        decode(b'data: {"a": 1}\n\ndata: {"error": {"message": "overloaded"}}\n\n', 4)
