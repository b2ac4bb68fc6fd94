"""The model path's cost and waiting, against a loopback server that answers every call with
the gold (a perfect model) a fixed latency after the request arrives (the server's sockets
set TCP_NODELAY and its backlog takes a whole round of new connections, as real servers do:
without them every reply waited ~40 ms on a delayed ACK). Prints, per seed and mode:

* prompt tokens sent per document, and as a multiple of the document's own tokens (both
  counted by the same tokenizer-like count, so the ratio does not depend on the tokenizer);
* calls, and wall time against the ideal (latency x ceil(calls / concurrency)) at
  concurrency 1, 4 and 16;
* client CPU per call (this process's CPU time over the run, divided by calls; the server
  runs in a process of its own, so its work is not counted).

    .venv/bin/python bench/llm.py [--latency 0.3] [--modes tools,json] [--concurrency 1,4,16]
                                  [--batch]      # and a batch of 20 documents
                                  [--repeat 3]   # runs of each, the median shown
                                  [--vocab qwen.tiktoken]  # and Qwen2.5's own count

``--vocab``: a tiktoken BPE file, e.g. Qwen2.5's ``qwen.tiktoken`` from the ``dashscope``
wheel (``pip download dashscope``); needs ``tiktoken``. The ratio is then also given as that
tokenizer counts both sides.

Each single-document figure is the median of ``--repeat`` runs (3), with their range; so are
the batches at concurrency 4 and 16.

Targets (issue 13): prompt tokens <= 3x the document's; wall <= 1.3x ideal; <= 5 ms CPU a call.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_PROXY", "127.0.0.1")

from extractor import extract  # noqa: E402
from extractor.evaluation import load_gold  # noqa: E402
from tests.fakeserver import FakeLLM, Reply  # noqa: E402
from tests.oracle import Oracle, count_tokens, prompt_tokens  # noqa: E402

_QWEN_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def real_count(vocab: str | None) -> Any:
    """A tokenizer's own count from a tiktoken BPE file (Qwen2.5's split pattern), or None."""
    if not vocab:
        return None
    import base64

    import tiktoken

    ranks = {}
    for line in Path(vocab).read_bytes().splitlines():
        if line.strip():
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    enc = tiktoken.Encoding("bench", pat_str=_QWEN_SPLIT, mergeable_ranks=ranks, special_tokens={})
    return lambda text: len(enc.encode(text, disallowed_special=()))


def real_prompt(count: Any, request: dict[str, Any]) -> int:
    import json

    parts = [str(m.get("content") or "") for m in request["messages"]]
    for key in ("tools", "response_format"):
        if isinstance(request.get(key), (list, dict)):
            parts.append(json.dumps(request[key], ensure_ascii=False))
    return int(sum(count(p) for p in parts)) + 4 * len(request["messages"])


class Meter:
    """The oracle, answering ``latency`` seconds after each request arrives; what each
    request cost is counted once the run is over, so that counting never holds up a reply."""

    def __init__(self, oracle: Oracle, latency: float, vocab: str | None = None) -> None:
        self.oracle = oracle
        self.latency = latency
        self.count = real_count(vocab)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: dict[str, Any]) -> Reply:
        self.requests.append(request)
        reply = self.oracle(request)
        # the latency counts from the request's arrival: the oracle's own time (calls that
        # arrive together queue for this process's GIL) is the server's, not the client's
        reply.delay, reply.from_arrival = self.latency, True
        return reply

    @property
    def calls(self) -> int:
        return len(self.requests)

    @property
    def prompt(self) -> int:
        return sum(prompt_tokens(r) for r in self.requests)

    @property
    def real(self) -> int:
        count = self.count
        return sum(real_prompt(count, r) for r in self.requests) if count is not None else 0


def _serve(name: str, latency: float, pipe: Any, vocab: str | None = None) -> None:
    golds = [g for g in load_gold(ROOT / "eval" / "gold") if g.name == name]
    with FakeLLM() as fake:
        meter = Meter(Oracle(golds), latency, vocab)
        fake.responder = meter
        pipe.send(fake.base_url)
        pipe.recv()  # the run is over
        real_doc = meter.count(golds[0].doc.text) if meter.count else 0
        pipe.send((meter.prompt, meter.calls, meter.real, real_doc))


def one(
    name: str, mode: str, concurrency: int, latency: float, vocab: str | None = None
) -> dict[str, float]:
    text = (ROOT / "eval" / "gold" / f"{name}.txt").read_text(encoding="utf-8")
    ours, theirs = mp.Pipe()
    args = (name, latency, theirs, vocab)
    server = mp.get_context("spawn").Process(target=_serve, args=args)
    server.start()
    base_url = ours.recv()
    cpu, wall = time.process_time(), time.perf_counter()
    extract(
        text, backend="llm", base_url=base_url, model="oracle", api_key="k", mode=mode,
        cache=False, concurrency=concurrency,
    )  # fmt: skip
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    ours.send("done")
    prompt, calls, real, real_doc = ours.recv()
    server.join()
    ideal = latency * math.ceil(calls / concurrency)
    return {
        "doc": count_tokens(text),
        "prompt": prompt,
        "real": real,
        "real_doc": real_doc,
        "calls": calls,
        "wall": wall,
        "ideal": ideal,
        "cpu_ms": 1000 * cpu / max(1, calls),
    }


def client_cpu(mode: str, calls: int = 60) -> float:
    """CPU ms per call of the model client alone: the same facts request ``calls`` times,
    eight at a time, against the perfect model (no cache), nothing else in the process."""
    from extractor import prompts
    from extractor.llm.client import LLMClient
    from extractor.llm.settings import LLMSettings, Usage
    from extractor.schemas.responses import FactsReply

    text = (ROOT / "eval" / "gold" / "anyang-2024.txt").read_text(encoding="utf-8")
    body = text[text.index("一、") :][:400]
    ours, theirs = mp.Pipe()
    server = mp.get_context("spawn").Process(target=_serve, args=("anyang-2024", 0.0, theirs))
    server.start()
    settings = LLMSettings(model="oracle", base_url=ours.recv(), api_key="k", mode=mode)

    async def go() -> float:
        client = LLMClient(settings, cache=None)
        usage = Usage()

        async def one() -> None:
            msgs = prompts.messages("facts", path="一、", text=body, title=None, region=None,
                                    period=None)  # fmt: skip
            await client.structured(FactsReply, msgs, usage=usage, max_tokens=2000)

        await asyncio.gather(*(one() for _ in range(8)))  # warm: connections, caches
        cpu = time.process_time()
        for _ in range(calls // 8):
            await asyncio.gather(*(one() for _ in range(8)))
        spent = time.process_time() - cpu
        await client.aclose()
        return 1000 * spent / (calls // 8 * 8)

    ms = asyncio.run(go())
    ours.send("done")
    ours.recv()
    server.join()
    return ms


def _serve_all(latency: float, pipe: Any) -> None:
    with FakeLLM() as fake:
        meter = Meter(Oracle(load_gold(ROOT / "eval" / "gold")), latency)
        fake.responder = meter
        pipe.send(fake.base_url)
        pipe.recv()  # the batch starts
        cpu = time.process_time()
        pipe.recv()
        pipe.send((meter.prompt, meter.calls, time.process_time() - cpu, 0))


def batch20(concurrency: int, latency: float) -> tuple[str, float]:
    """20 documents (the seeds, ten of each, each told apart by a last line) in one batch."""
    import tempfile

    from extractor.batch import BatchSettings, collect_inputs, run_batch
    from extractor.options import ExtractOptions
    from extractor.storage import Store

    ours, theirs = mp.Pipe()
    server = mp.get_context("spawn").Process(target=_serve_all, args=(latency, theirs))
    server.start()
    base_url = ours.recv()
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(20):
            name = ("anyang-2024", "pingdingshan-2025")[k % 2]
            text = (ROOT / "eval" / "gold" / f"{name}.txt").read_text(encoding="utf-8")
            Path(tmp, f"{k:02d}.txt").write_text(f"{text}\n（第{k}份）\n", encoding="utf-8")
        opts = ExtractOptions(
            backend="llm", base_url=base_url, model="oracle", api_key="k", mode="tools",
            cache=False, concurrency=concurrency,
        )  # fmt: skip
        ours.send("start")
        wall, cpu = time.perf_counter(), time.process_time()
        with Store(Path(tmp) / "r.db") as store:
            settings = BatchSettings(doc_concurrency=20, progress="quiet")
            run_batch(collect_inputs(tmp), store, opts, settings)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    ours.send("done")
    _, calls, server_cpu, _ = ours.recv()
    server.join()
    ideal = latency * math.ceil(calls / concurrency)
    ratio = wall / ideal
    head = f"batch of 20  c={concurrency:<2} calls {calls:3}"
    # the loopback server shares this machine's cores: its CPU is shown apart
    return (
        f"{head}  wall {wall:5.2f} s = {ratio:4.2f}x ideal  cpu {1000 * cpu / 20:3.0f} ms/doc"
        f"  (the server's: {1000 * server_cpu / 20:3.0f} ms/doc)",
        ratio,
    )


def _spread(ratios: list[float]) -> str:
    """The median of the runs, and their range when there are several: one run of a single
    round of calls is 0.3 s, and a scheduler's hiccup is a tenth of it."""
    ratios = sorted(ratios)
    mid = ratios[len(ratios) // 2]
    return f"{mid:4.2f}x" + (f" [{ratios[0]:.2f}-{ratios[-1]:.2f}]" if len(ratios) > 1 else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency", type=float, default=0.3)
    ap.add_argument("--modes", default="tools,json")
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--batch", action="store_true", help="also a batch of 20 documents")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each (the median is shown)")
    ap.add_argument("--vocab", help="a tiktoken BPE file (Qwen2.5's qwen.tiktoken) to count with")
    args = ap.parse_args()
    one("pingdingshan-2025", "tools", 4, 0.0)  # warm: imports and first-use caches
    for mode in args.modes.split(","):
        print(f"client alone, {mode}: {client_cpu(mode):.1f} ms CPU per call", flush=True)
        for name in ("anyang-2024", "pingdingshan-2025"):
            for c in (int(x) for x in args.concurrency.split(",")):
                runs = [one(name, mode, c, args.latency, args.vocab) for _ in range(args.repeat)]
                r = runs[0]
                real = (
                    f" [{r['real'] / r['real_doc']:3.2f}x as the vocabulary counts]"
                    if r["real_doc"]
                    else ""
                )
                wall = sorted(x["wall"] for x in runs)[len(runs) // 2]
                cpu = sorted(x["cpu_ms"] for x in runs)[len(runs) // 2]
                print(
                    f"{name:18} {mode:5} c={c:<2} prompt {r['prompt']:6} tokens "
                    f"({r['prompt'] / r['doc']:4.2f}x the document's {r['doc']}){real}  "
                    f"calls {r['calls']:3}  wall {wall:5.1f} s = "
                    f"{_spread([x['wall'] / x['ideal'] for x in runs])} ideal  "
                    f"cpu {cpu:4.1f} ms/call",
                    flush=True,
                )
    if args.batch:
        for c in (int(x) for x in args.concurrency.split(",")):
            # a batch at one call at a time takes half a minute and varies little: once
            runs = [batch20(c, args.latency) for _ in range(1 if c == 1 else args.repeat)]
            line = sorted(runs, key=lambda r: r[1])[len(runs) // 2][0]
            print(f"{line}  {_spread([r[1] for r in runs])} over {len(runs)}", flush=True)


if __name__ == "__main__":
    main()
