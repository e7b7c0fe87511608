"""Long work in steps (python/classifier/stepwise.py): the step-wise JSON parse gives what json.loads gives, or
fails where it fails; `sliced` gives the event loop a turn before and between slices."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import stepwise

from aio import run

FAST = settings(max_examples=300, deadline=None, database=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30)


def parsed(text: str):
    return stepwise.run(stepwise.json_document(text))


def outcome(parse, text: str):
    try:
        return "value", parse(text)
    except (json.JSONDecodeError, ValueError, RecursionError):
        return "error", None


@FAST
@given(json_values, st.sampled_from([None, 1, 2]))
def test_any_json_document_parses_as_json_loads_does(value, indent):
    text = json.dumps(value, indent=indent)
    assert parsed(text) == json.loads(text)


@FAST
@given(json_values, st.data())
def test_cut_or_changed_documents_fail_where_json_loads_fails(value, data):
    text = json.dumps(value, indent=data.draw(st.sampled_from([None, 1])))
    at = data.draw(st.integers(0, len(text)))
    changed = data.draw(st.sampled_from([text[:at], text[:at] + data.draw(st.sampled_from(list('{}[],:" x1'))) + text[at:],
                                         text[:at] + text[at + 1:]]))
    assert outcome(parsed, changed) == outcome(json.loads, changed)


def test_duplicate_keys_keep_the_last_and_nan_reads_as_json_loads_reads_it():
    assert parsed('{"a": 1, "a": [2, NaN]}')["a"][0] == 2
    assert parsed(" [1, 2] \n") == [1, 2]


@pytest.mark.parametrize("text", ["", " ", "[1,]", '{"a":1,}', "[1] [2]", "{'a': 1}", '{"a" 1}', "[1 2]"])
def test_what_is_not_json_raises_the_json_error(text):
    with pytest.raises(json.JSONDecodeError):
        parsed(text)


def test_outer_containers_are_walked_one_member_a_step():
    steps = 0
    document = stepwise.json_document(json.dumps({"classes": [{"thumbnails": ["x"] * 100}]}))
    while True:
        try:
            next(document)
            steps += 1
        except StopIteration:
            break
    assert steps > 100


@pytest.mark.parametrize("text", ["plain ascii", "ünïcödé ✓" * 1000])
def test_utf8_bytes_decode_across_chunk_boundaries(monkeypatch, text):
    monkeypatch.setattr(stepwise, "TEXT_CHUNK", 7)  # splits multi-byte characters
    assert stepwise.run(stepwise.utf8_text(text.encode())) == text
    assert stepwise.run(stepwise.utf8_text(text)) == text
    with pytest.raises(UnicodeDecodeError):
        stepwise.run(stepwise.utf8_text(text.encode() + b"\xff"))


def test_sliced_gives_the_event_loop_a_turn_before_the_first_slice_and_between_slices():
    order = []

    def count(n):
        for _ in range(n):
            order.append("step")
            yield
        return n

    async def interleaved():
        async def other():
            for _ in range(2):
                order.append("other")
                await asyncio.sleep(0)

        task = asyncio.ensure_future(other())
        result = await stepwise.sliced(count(3), slice_s=0)
        await task
        return result

    assert run(interleaved()) == 3
    assert order[:4] == ["other", "step", "other", "step"], order
    assert stepwise.run(count(2)) == 2


@pytest.mark.parametrize("text", ['{"a": "abcdefghij", "b": ["klm", "n"]}', '{"a": "abc\\"def\\\\ghi"}', '{"a": "ab\\u00e9cd"}',
                                  '{"a": "abcdef', '{"a": "abc\ndef"}', '{"a": ""}', '["éèabcdefghi", "x"]', '{"a": "abc" "d"}'])
def test_long_strings_scanned_in_steps_read_as_json_loads_reads_them(monkeypatch, text):
    """A string scanned a few characters a step (a class's examples: one long string) gives what
    json.loads gives, and fails where it fails (an escape, a control character, no closing quote)."""
    monkeypatch.setattr(stepwise, "STRING_STEP", 2)
    try:
        expected = json.loads(text)
    except ValueError as error:
        with pytest.raises(type(error)):
            stepwise.run(stepwise.json_document(text))
    else:
        assert stepwise.run(stepwise.json_document(text)) == expected
