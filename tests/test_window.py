"""The model's context window: what servers say when a request runs over it, replies sized to
fit, re-asks that do not pile up, and texts cut rather than lost."""

from __future__ import annotations

import json

import pytest

from extractor import ExtractionError, extract
from extractor.llm.window import Window, last_attempt_only, stated_window
from tests.fakeserver import FakeLLM, Reply
from tests.llm_responder import responder

META = Reply(content=json.dumps({"title": "t", "doc_type": "other"}))
SMALL = "全年优良天数226天，同比增加14天，占比61.7%。"
GOOD = Reply(
    content=json.dumps(
        {"facts": [{"category": "air", "subject": "优良天数", "value": 226, "unit": "天",
                    "quote": "全年优良天数226天"}]},
        ensure_ascii=False,
    )
)  # fmt: skip


def run(fake: FakeLLM, text: str, **kw: object):
    opts: dict[str, object] = dict(cache=False, mode="json", concurrency=1, max_retries=1,
                                   timeout=5.0, repair=False)  # fmt: skip
    opts.update(kw)
    return extract(text, backend="llm", base_url=fake.base_url, model="m", api_key="k", **opts)


def error_400(message: str, **extra: object) -> Reply:
    body = {"error": {"message": message, "type": "invalid_request_error", **extra}}
    return Reply(status=400, body=json.dumps(body))


@pytest.mark.parametrize(
    ("message", "body", "window"),
    [
        (
            "This model's maximum context length is 8192 tokens. However, you requested 9000 "
            "tokens (7000 in the messages, 2000 in the completion). Please reduce the length.",
            None,
            Window(8192, 7000),
        ),
        (
            "'max_tokens' or 'max_completion_tokens' is too large: 2000. This model's maximum "
            "context length is 8192 tokens and your request has 7000 input tokens "
            "(2000 > 8192 - 7000).",
            None,
            Window(8192, 7000),
        ),
        (
            "This model's maximum context length is 128000 tokens. However, your messages "
            "resulted in 130563 tokens. Please reduce the length of the messages.",
            None,
            Window(128000, 130563),
        ),
        ("Requested tokens (9105) exceed context window of 8192", None, Window(8192, 9105)),
        (
            "the request exceeds the available context size, try increasing it",
            {"error": {"n_prompt_tokens": 5000, "n_ctx": 4096}},
            Window(4096, 5000),
        ),
        ("This model's maximum context length is 4096 tokens.", None, Window(4096)),
        ("'messages' must contain the word 'json'", None, None),
    ],
    ids=["openai-vllm", "vllm-new", "openai", "llama-cpp-python", "llama.cpp", "bare", "other"],
)
def test_the_window_is_read_from_what_each_server_says(message, body, window) -> None:
    assert stated_window(message, body) == window


def test_room_is_a_smaller_cap_that_fits_or_none() -> None:
    assert Window(4096, 3900).room(1100) == 180
    assert Window(4096, 3000).room(500) is None  # the cap asked already fits: not the problem
    assert Window(4096, 4050).room(1100) is None  # no room worth a reply
    assert Window(4096).room(1100) is None  # the prompt's size unknown


def test_a_reask_carries_only_the_last_failed_reply() -> None:
    first = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    one = [{"role": "assistant", "content": "r1"}, {"role": "user", "content": "e1"}]
    two = [{"role": "assistant", "content": "r2"}, {"role": "user", "content": "e2"}]
    assert last_attempt_only(first, 2) == first
    assert last_attempt_only(first + one, 2) == first + one
    assert last_attempt_only(first + one + two, 2) == first + two
    tools = [{"role": "assistant", "tool_calls": []}, {"role": "tool", "content": "e"}]
    assert last_attempt_only(first + one + tools, 2) == first + tools


def test_the_third_attempt_does_not_resend_the_first_failed_reply(fake_llm: FakeLLM) -> None:
    def bad(marker: str) -> Reply:
        fact = {"category": "air", "subject": marker, "unit": "天", "quote": "优良天数"}
        return Reply(content=json.dumps({"facts": [fact]}, ensure_ascii=False))

    fake_llm.script(META, bad("第一次的错答"), bad("第二次的错答"), GOOD)
    report = run(fake_llm, SMALL, max_reasks=2)
    assert [f.value for f in report.facts] == [226]
    third = json.dumps(fake_llm.chat_requests[3]["messages"], ensure_ascii=False)
    assert "第二次的错答" in third and "第一次的错答" not in third
    assert SMALL in third  # the section itself is still there


def test_a_400_stating_the_window_is_sent_again_with_a_cap_that_fits(fake_llm: FakeLLM) -> None:
    over = error_400(
        "This model's maximum context length is 4096 tokens. However, you requested 5000 "
        "tokens (3900 in the messages, 1100 in the completion)."
    )
    fake_llm.script(META, over, GOOD)
    report = run(fake_llm, SMALL)
    assert [f.value for f in report.facts] == [226]
    sent = fake_llm.chat_requests
    assert sent[1]["max_tokens"] > 180 and sent[2]["max_tokens"] == 4096 - 3900 - 16


def test_a_text_over_the_window_is_cut_and_each_part_asked(fake_llm: FakeLLM) -> None:
    text = "全年优良天数251天，同比增加14天。细颗粒物平均浓度为39微克/立方米，同比下降5.9%。"

    def small_window(request: dict) -> Reply:
        body = json.dumps(request["messages"], ensure_ascii=False)
        facts = "Here is the opening" not in body
        if facts and "251天" in body and "39微克" in body:
            return error_400("Requested tokens (9105) exceed context window of 8192")
        return responder(request)

    fake_llm.responder = small_window
    report = run(fake_llm, text)
    assert {f.value for f in report.facts} >= {251, 39}
    assert all(s.status != "failed" for s in report.sections)


def test_a_sentence_over_the_window_fails_saying_so(fake_llm: FakeLLM) -> None:
    fake_llm.script(META)
    fake_llm.responder = lambda request: (
        META if "Here is the opening" in json.dumps(request["messages"], ensure_ascii=False)
        else error_400("Requested tokens (9105) exceed context window of 8192")
    )  # fmt: skip
    with pytest.raises(ExtractionError) as info:
        run(fake_llm, "全年优良天数226天")
    message = str(info.value)
    assert "context window (8192 tokens, the prompt alone 9105)" in message
    assert "--chunk-chars" in message
