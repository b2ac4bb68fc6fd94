"""Option groups shared by the commands, declared once; their defaults are the options
model's (``extractor.options.DEFAULTS``)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from extractor.llm.settings import MODE_NAMES
from extractor.options import BACKENDS, DEFAULTS, ExtractOptions

_MODEL_KEYS = (
    "backend",
    "model",
    "base_url",
    "api_key",
    "mode",
    "concurrency",
    "no_cache",
    "cache_path",
    "timeout",
    "max_retries",
    "max_reasks",
    "chunk_chars",
    "no_repair",
    "max_mb",
    "rpm",
    "tpm",
    "price_in",
    "price_out",
)

_MODEL_OPTIONS = (
    click.option(
        "--backend",
        "-b",
        type=click.Choice(BACKENDS),
        default=DEFAULTS.backend,
        show_default=True,
        help="auto: a model when an endpoint is set, else the offline rules.",
    ),
    click.option("--model", "-m", envvar="EXTRACTOR_MODEL", show_envvar=True, help="Model name."),
    click.option(
        "--base-url",
        envvar="OPENAI_BASE_URL",
        show_envvar=True,
        help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1.",
    ),
    click.option("--api-key", envvar="OPENAI_API_KEY", show_envvar=True, help="API key."),
    click.option(
        "--mode",
        type=click.Choice(MODE_NAMES),
        envvar="EXTRACTOR_MODE",
        show_envvar=True,
        help="Structured-output mode (default tools).",
    ),
    click.option(
        "--concurrency",
        "-c",
        type=click.IntRange(min=1),
        default=DEFAULTS.concurrency,
        show_default=True,
        help="Model calls at once, across the whole run (cut while the endpoint says 429).",
    ),
    click.option(
        "--rpm",
        type=click.IntRange(min=1),
        envvar="EXTRACTOR_RPM",
        show_envvar=True,
        help="Most requests per minute, across the run.",
    ),
    click.option(
        "--tpm",
        type=click.IntRange(min=1),
        envvar="EXTRACTOR_TPM",
        show_envvar=True,
        help="Most tokens per minute (prompt and max_tokens), across the run.",
    ),
    click.option(
        "--price-in",
        type=click.FloatRange(min=0),
        envvar="EXTRACTOR_PRICE_IN",
        show_envvar=True,
        help="Price per million prompt tokens, for the cost estimate.",
    ),
    click.option(
        "--price-out",
        type=click.FloatRange(min=0),
        envvar="EXTRACTOR_PRICE_OUT",
        show_envvar=True,
        help="Price per million completion tokens, for the cost estimate.",
    ),
    click.option("--no-cache", is_flag=True, help="Do not read or write the response cache."),
    click.option(
        "--cache",
        "cache_path",
        type=click.Path(path_type=Path, dir_okay=False),
        envvar="EXTRACTOR_CACHE",
        show_envvar=True,
        help="Response cache file.",
    ),
    click.option(
        "--timeout",
        type=click.FloatRange(min=1),
        default=DEFAULTS.timeout,
        show_default=True,
        help="Seconds per model call.",
    ),
    click.option(
        "--max-retries",
        type=click.IntRange(min=0),
        default=DEFAULTS.max_retries,
        show_default=True,
        help="Retries per call (429 after its Retry-After, 5xx, timeouts).",
    ),
    click.option(
        "--max-reasks",
        type=click.IntRange(min=0),
        default=DEFAULTS.max_reasks,
        show_default=True,
        help="Re-asks when a reply does not fit the schema.",
    ),
    click.option(
        "--chunk-chars",
        type=click.IntRange(min=200),
        default=DEFAULTS.chunk_chars,
        show_default=True,
        help="Most section characters per call.",
    ),
    click.option("--no-repair", is_flag=True, help="Do not send flagged facts back to the model."),
    click.option(
        "--max-mb",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULTS.max_mb,
        envvar="EXTRACTOR_MAX_MB",
        show_envvar=True,
        show_default=True,
        help="Refuse input files larger than this many megabytes.",
    ),
)


def model_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the model options to a command and hands it ``opts: ExtractOptions``."""

    @functools.wraps(f)
    def wrapper(**kw: Any) -> Any:
        picked = {k: kw.pop(k) for k in _MODEL_KEYS}
        return f(opts=extract_options(**picked), **kw)

    for option in reversed(_MODEL_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def extract_options(
    *, no_cache: bool, cache_path: Path | None, no_repair: bool, **kw: Any
) -> ExtractOptions:
    cache: bool | Path = False if no_cache else (cache_path or True)
    return ExtractOptions(cache=cache, repair=not no_repair, **kw)


def json_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """--json to print the contract JSON, -o to write it."""
    f = click.option(
        "--output",
        "-o",
        type=click.Path(path_type=Path),
        help="Write the JSON here (a folder when several files are given).",
    )(f)
    return click.option("--json", "as_json", is_flag=True, help="Print the contract JSON.")(f)


HISTORY = click.option(
    "--history",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("eval/runs/history.db"),
    show_default=True,
    help="Run history database (SQLite).",
)
