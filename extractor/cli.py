"""The command line: a thin layer over the Python API.

Every command turns ``ExtractorError`` into one line on stderr and its exit code (2 for usage,
1 for failure); nothing the user can cause prints a traceback.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from extractor import __version__
from extractor.errors import ExtractorError, UsageError
from extractor.schemas import Report

app = typer.Typer(
    help="Verified, structured data from Chinese environmental reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped or redirected output gets rich's 80 columns, which folds the facts table into slivers;
# a file or pager has room, so use a reader's wide default unless COLUMNS says otherwise.
out = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"extractor {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """extractor: turn environmental reports into a verified city-by-year panel."""


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except ExtractorError as e:
        err.print(f"[red]error:[/red] {e}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(e.exit_code) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as e:  # a bug of ours: still one line, traceback on request
        if os.environ.get("EXTRACTOR_DEBUG"):
            raise
        err.print(
            f"[red]error:[/red] internal error {type(e).__name__}: {e} "
            "(set EXTRACTOR_DEBUG=1 for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None


# Options shared by extract and batch, declared once.
BackendOpt = Annotated[
    str,
    typer.Option(
        "--backend",
        "-b",
        help="auto (llm if an endpoint is set, else rules) | llm | rules | hybrid",
    ),
]
ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Model name [env EXTRACTOR_MODEL]")
]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint [env OPENAI_BASE_URL]")
]
ApiKeyOpt = Annotated[str | None, typer.Option("--api-key", help="API key [env OPENAI_API_KEY]")]
ModeOpt = Annotated[
    str | None,
    typer.Option("--mode", help="tools | json | json_schema | md_json [env EXTRACTOR_MODE]"),
]
ConcOpt = Annotated[int, typer.Option("--concurrency", "-c", min=1, help="Model calls at once")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the cache")]
CacheOpt = Annotated[
    Path | None, typer.Option("--cache", help="Response cache file [env EXTRACTOR_CACHE]")
]
TimeoutOpt = Annotated[float, typer.Option("--timeout", help="Seconds per model call")]
RetriesOpt = Annotated[int, typer.Option("--max-retries", min=0, help="Transport retries per call")]
ReasksOpt = Annotated[int, typer.Option("--max-reasks", min=0, help="Re-asks on invalid replies")]
ChunkOpt = Annotated[int, typer.Option("--chunk-chars", min=200, help="Max section chars per call")]
NoRepairOpt = Annotated[
    bool,
    typer.Option("--no-repair", help="Do not send flagged facts back to the model (LLM path)"),
]


def _options(**kw: Any) -> Any:
    from extractor.options import ExtractOptions

    no_cache = kw.pop("no_cache")
    cache_path = kw.pop("cache_path")
    cache: bool | Path = False if no_cache else (cache_path or True)
    return ExtractOptions(cache=cache, **kw)


def _announce(opts: Any) -> str:
    """Resolve the backend, saying so when ``auto`` fell back to the offline rules."""
    backend: str = opts.resolved_backend()
    if opts.backend == "auto" and backend == "rules":
        err.print(
            "no model endpoint configured: using the offline rules backend "
            "(set OPENAI_BASE_URL or --base-url, and --model, to use a model)",
            highlight=False,
            soft_wrap=True,
        )
    return backend


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    if not enabled or not err.is_terminal:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task("extracting", total=None)

    def update(done: int, total: int, label: str) -> None:
        bar.update(task, completed=done, total=total, description=label[:40])

    with bar:
        yield update


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Report files (.txt .md .docx .pdf)")],
    backend: BackendOpt = "auto",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    mode: ModeOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract JSON")] = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON here (a dir for many)")
    ] = None,
    concurrency: ConcOpt = 4,
    no_cache: NoCacheOpt = False,
    cache_path: CacheOpt = None,
    timeout: TimeoutOpt = 180.0,
    max_retries: RetriesOpt = 3,
    max_reasks: ReasksOpt = 2,
    chunk_chars: ChunkOpt = 1800,
    no_repair: NoRepairOpt = False,
) -> None:
    """Extract facts, problems and recommendations from reports."""
    from extractor.loading import load
    from extractor.pipeline import aextract_document

    with _errors():
        opts = _options(
            backend=backend, model=model, base_url=base_url, api_key=api_key, mode=mode,
            concurrency=concurrency, no_cache=no_cache, cache_path=cache_path, timeout=timeout,
            max_retries=max_retries, max_reasks=max_reasks, chunk_chars=chunk_chars,
            repair=not no_repair,
        )  # fmt: skip
        _announce(opts)  # a configuration error is reported before any file is read
        many = len(paths) > 1
        if output is not None and many:
            output.mkdir(parents=True, exist_ok=True)
        failures = 0
        for path in paths:
            try:
                doc = load(path)
                with _progress(not as_json) as progress:
                    report = asyncio.run(aextract_document(doc, opts, progress=progress))
            except ExtractorError as e:
                if not many:
                    raise
                failures += 1
                err.print(f"[red]error:[/red] {e}", highlight=False, soft_wrap=True)
                continue
            blob = report.model_dump_json(indent=2)
            if output is not None:
                target = output / f"{path.stem}.json" if many else output
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(blob + "\n", encoding="utf-8")
                err.print(f"wrote {target}", highlight=False)
            if as_json:
                typer.echo(report.model_dump_json() if many else blob)
            elif output is None or not many:
                print_summary(report)
        if failures:
            raise typer.Exit(1)


def print_summary(report: Report, console: Console | None = None) -> None:
    """The readable view: what the report is, counts, facts with their check, failures."""
    c = console or out
    m = report.meta
    src = report.source.path if report.source and report.source.path else "(text)"
    c.print(f"[bold]{m.title or src}[/bold]", highlight=False)
    c.print(
        f"{src} · doc {report.doc_id} · {m.doc_type} · region {m.region or '?'} · "
        f"period {m.period or '?'} · issued {m.issued_on or '?'}",
        highlight=False,
    )
    ok = sum(1 for s in report.sections if s.status == "ok")
    failed = [s for s in report.sections if s.status == "failed"]
    c.print(
        f"{len(report.facts)} facts · {len(report.problems)} problems · "
        f"{len(report.recommendations)} recommendations · sections {ok} ok, {len(failed)} failed",
        highlight=False,
    )
    if report.facts:
        t = Table(show_lines=False, pad_edge=False)
        for col in ("#", "subject", "value", "unit", "change", "rank", "check", "quote"):
            t.add_column(col, overflow="fold")
        for i, f in enumerate(report.facts, 1):
            value = f.value_text if f.value is None else f"{f.value:g}"
            change = (
                f"{f.change.basis or ''}{f.change.value:+g}{f.change.unit or ''}"
                if (f.change and f.change.value is not None)
                else ""
            )
            rank = f"{f.rank.scope or ''}第{f.rank.position}" if f.rank else ""
            check = "-"
            if f.check is not None:
                codes = sorted({x.code for x in f.check.issues})
                check = f.check.status + (f" ({', '.join(codes)})" if codes else "")
            quote = f.quote if len(f.quote) <= 30 else f.quote[:29] + "…"
            t.add_row(str(i), f.subject, value or "", f.unit or "", change, rank, check, quote)
        c.print(t)
    for s in failed:
        c.print(f"[red]failed[/red] {' > '.join(s.path) or s.id}: {s.error}", highlight=False)
    print_checks(report, c)
    r = report.run
    if not r.backend:
        return  # a re-checked report that was never extracted here: no run to show
    if r.backend == "rules":
        c.print(f"offline rules backend · no model calls · {r.seconds:.2f} s", highlight=False)
        return
    c.print(
        f"{r.backend} {r.model or ''} · {r.calls} calls "
        f"({r.cached_calls} cached, {r.reasks} re-asks) "
        f"· {r.prompt_tokens}+{r.completion_tokens} tokens · {r.seconds:.1f} s",
        highlight=False,
    )
    if r.repair is not None:
        p = r.repair
        c.print(
            f"repair: {p.flagged_before} flagged facts sent back ({p.sections} calls): "
            f"{p.corrected} corrected, {p.dropped} dropped, {p.still_flagged} still flagged; "
            f"{p.offered} unaccounted numbers offered, {p.added} facts added",
            highlight=False,
        )


def print_checks(report: Report, c: Console) -> None:
    k = report.checks
    held = sum(cc.ok for cc in k.cross_checks)
    c.print(
        f"checks: {k.verified} verified · {k.flagged} flagged · {k.unverifiable} unverifiable"
        f" · cross-checks {held}/{len(k.cross_checks)} hold"
        f" · {len(k.unaccounted_numbers)} numbers no fact covers",
        highlight=False,
    )
    for cc in k.cross_checks:
        if not cc.ok:
            c.print(f"[red]cross-check failed[/red] {cc.rule}: {cc.detail}", highlight=False)
    for n in k.unaccounted_numbers[:10]:
        c.print(f"  unaccounted {n.text!r} in “{n.clause}”", highlight=False)
    if len(k.unaccounted_numbers) > 10:
        c.print(f"  … and {len(k.unaccounted_numbers) - 10} more (see --json)", highlight=False)


@app.command("check")
def check_cmd(
    report_path: Annotated[Path, typer.Argument(help="A report JSON (facts with quotes suffice)")],
    source: Annotated[
        Path | None, typer.Option("--source", help="The source document the facts came from")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the re-checked JSON")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write it here")] = None,
) -> None:
    """Re-check a stored report's facts against its source."""
    from extractor.errors import InputError
    from extractor.loading import load
    from extractor.pipeline import check

    with _errors():
        try:
            raw = report_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(str(report_path), f"cannot be read ({e})") from e
        try:
            report = Report.model_validate_json(raw)
        except ValueError as e:
            first = str(e).splitlines()
            detail = " ".join(first[1:3]) if len(first) > 1 else str(e)
            raise InputError(
                str(report_path), f"is not a report JSON ({' '.join(detail.split())})"
            ) from e
        text: str | None = None
        if source is not None:
            doc = load(source)
            text = doc.text
            if not report.source:
                report = report.model_copy(update={"source": doc.source(), "doc_id": doc.doc_id})
        elif not report.text:
            raise UsageError(f"{report_path} holds no text to check against: pass --source FILE")
        checked = check(report, text)
        blob = checked.model_dump_json(indent=2)
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(blob + "\n", encoding="utf-8")
            err.print(f"wrote {output}", highlight=False)
        if as_json:
            typer.echo(blob)
        elif output is None:
            print_summary(checked)


@app.command()
def batch(
    inputs: Annotated[list[str], typer.Argument(help="A folder, a glob or files")],
    db: Annotated[Path, typer.Option("--db", help="SQLite file to store results in")] = Path(
        "results.db"
    ),
    backend: BackendOpt = "auto",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    mode: ModeOpt = None,
    concurrency: ConcOpt = 4,
    docs: Annotated[int, typer.Option("--docs", min=1, help="Documents at once")] = 2,
    force: Annotated[bool, typer.Option("--force", help="Re-extract stored documents")] = False,
    no_cache: NoCacheOpt = False,
    cache_path: CacheOpt = None,
    timeout: TimeoutOpt = 180.0,
    max_retries: RetriesOpt = 3,
    max_reasks: ReasksOpt = 2,
    chunk_chars: ChunkOpt = 1800,
    no_repair: NoRepairOpt = False,
) -> None:
    """Extract every report in a folder or glob into a SQLite database (resumable)."""
    from extractor.batch import collect_inputs, run_batch
    from extractor.storage import Store

    with _errors():
        opts = _options(
            backend=backend, model=model, base_url=base_url, api_key=api_key, mode=mode,
            concurrency=concurrency, no_cache=no_cache, cache_path=cache_path, timeout=timeout,
            max_retries=max_retries, max_reasks=max_reasks, chunk_chars=chunk_chars,
            repair=not no_repair,
        )  # fmt: skip
        _announce(opts)
        paths = collect_inputs(inputs)
        store = Store(db)
        try:
            summary = run_batch(paths, store, opts, doc_concurrency=docs, force=force)
        finally:
            store.close()
        for item in summary.items:
            if item.status == "failed":
                err.print(f"[red]failed[/red] {item.path}: {item.error}", highlight=False)
        out.print(
            f"{summary.ok} stored, {summary.skipped} skipped (already stored), "
            f"{summary.failed} failed → {db} ({summary.seconds:.1f} s)",
            highlight=False,
        )
        if summary.failed and not summary.ok and not summary.skipped:
            raise typer.Exit(1)


eval_app = typer.Typer(
    help="Score extraction against hand-labelled gold files.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(eval_app, name="eval")

HistoryOpt = Annotated[Path, typer.Option("--history", help="Run history database (sqlite)")]


@eval_app.callback()
def eval_run(
    ctx: typer.Context,
    gold: Annotated[
        Path, typer.Option("--gold", help="Folder of NAME.txt + NAME.gold.json")
    ] = Path("eval/gold"),
    validate: Annotated[
        bool, typer.Option("--validate", help="Only check that the gold files are valid")
    ] = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write report.md and scores.json here")
    ] = None,
    history: HistoryOpt = Path("eval/runs/history.db"),
    no_history: Annotated[bool, typer.Option("--no-history", help="Do not record the run")] = False,
    backend: BackendOpt = "auto",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    mode: ModeOpt = None,
    concurrency: ConcOpt = 4,
    no_cache: NoCacheOpt = False,
    cache_path: CacheOpt = None,
    timeout: TimeoutOpt = 180.0,
    max_retries: RetriesOpt = 3,
    max_reasks: ReasksOpt = 2,
    chunk_chars: ChunkOpt = 1800,
    no_repair: NoRepairOpt = False,
) -> None:
    """Run extraction on every gold text and score it (or --validate the gold)."""
    if ctx.invoked_subcommand is not None:
        return
    from extractor.evaluation import History, aevaluate, validate_gold, write_outputs

    with _errors():
        if validate:
            problems = validate_gold(gold)
            for problem in problems:
                err.print(f"[red]invalid[/red] {problem}", highlight=False, soft_wrap=True)
            if problems:
                raise typer.Exit(1)
            out.print(f"{gold}: gold is valid", highlight=False)
            return
        opts = _options(
            backend=backend, model=model, base_url=base_url, api_key=api_key, mode=mode,
            concurrency=concurrency, no_cache=no_cache, cache_path=cache_path, timeout=timeout,
            max_retries=max_retries, max_reasks=max_reasks, chunk_chars=chunk_chars,
            repair=not no_repair,
        )  # fmt: skip
        _announce(opts)
        with _progress(True) as progress:
            run = asyncio.run(aevaluate(gold, opts, progress=progress))
        target = out_dir or history.parent / run.run_id
        md, _ = write_outputs(run, target)
        if not no_history:
            with History(history) as h:
                h.record(run)
        print_scores(run)
        err.print(f"wrote {md}", highlight=False)


def print_scores(run: Any, console: Console | None = None) -> None:
    c = console or out
    s = run.scores
    h = s.headline()
    c.print(
        f"run {run.run_id} · {run.backend} {run.model or ''} · {len(s.docs)} documents "
        f"· {run.seconds:.1f} s",
        highlight=False,
    )
    t = Table(pad_edge=False)
    for col in ("", "P", "R", "F1"):
        t.add_column(col)
    for label, key in (("facts", "fact"), ("findings", "finding")):
        t.add_row(
            label,
            f"{h[key + '_precision']:.3f}",
            f"{h[key + '_recall']:.3f}",
            f"{h[key + '_f1']:.3f}",
        )
    t.add_row(
        "leaves (micro)", f"{s.micro.precision:.3f}", f"{s.micro.recall:.3f}", f"{s.micro.f1:.3f}"
    )
    t.add_row("fields (macro)", "", "", f"{s.macro_f1:.3f}")
    c.print(t)
    for d in s.docs:
        state = "ok" if d.status == "ok" else f"FAILED: {d.error}"
        c.print(
            f"  {d.doc}: facts {d.facts.correct}/{d.facts.gold} gold, {d.facts.predicted} predicted"
            f" · fact F1 {d.facts.prf.f1:.3f} · finding F1 {d.findings.prf.f1:.3f} · {state}",
            highlight=False,
        )
    if s.checker is not None:
        ck = s.checker
        bad = "–" if ck.bad_flagged_share is None else f"{ck.bad_flagged_share:.0%}"
        good = "–" if ck.good_flagged_share is None else f"{ck.good_flagged_share:.0%}"
        c.print(
            f"checker: flags {bad} of {ck.bad} wrong/hallucinated facts, {good} of {ck.good} "
            "correct ones",
            highlight=False,
        )


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[str, typer.Argument(help="Earlier run id (a unique prefix is enough)")],
    run_b: Annotated[str, typer.Argument(help="Later run id")],
    history: HistoryOpt = Path("eval/runs/history.db"),
    limit: Annotated[int, typer.Option("--limit", help="Leaves to list per side")] = 30,
) -> None:
    """Leaves newly fixed and newly broken between two runs, and the paired F1 difference."""
    from extractor.evaluation import History

    with _errors():
        if not history.exists():
            raise UsageError(f"{history}: no evaluation history yet; run extractor eval first")
        with History(history) as h:
            cmp = h.compare(run_a, run_b)
        out.print(f"{cmp.run_a} → {cmp.run_b}", highlight=False)
        for key in ("fact_f1", "finding_f1", "micro_f1"):
            a, b = cmp.headline_a.get(key, 0.0), cmp.headline_b.get(key, 0.0)
            out.print(f"  {key}: {a:.3f} → {b:.3f} ({b - a:+.3f})", highlight=False)
        out.print(
            f"  paired difference over {len(cmp.docs)} documents: fact F1 "
            f"{cmp.paired_difference('fact_f1'):+.3f}, micro F1 "
            f"{cmp.paired_difference('micro_f1'):+.3f}",
            highlight=False,
        )
        for label, items in (("fixed", cmp.fixed), ("broken", cmp.broken)):
            out.print(f"{len(items)} leaves newly {label}", highlight=False)
            for ch in items[:limit]:
                where = f"{ch.kind}[{ch.item}]" if ch.item is not None else f"{ch.kind}[new]"
                out.print(
                    f"  {ch.doc} {where}.{ch.field}: {ch.before} → {ch.after} "
                    f"(gold {ch.gold!r}, pred {ch.pred!r})",
                    highlight=False,
                )


@eval_app.command("runs")
def eval_runs(history: HistoryOpt = Path("eval/runs/history.db")) -> None:
    """List recorded evaluation runs, newest first."""
    from extractor.evaluation import History

    with _errors():
        if not history.exists():
            raise UsageError(f"{history}: no evaluation history yet; run extractor eval first")
        with History(history) as h:
            rows = h.runs()
        t = Table(pad_edge=False)
        for col in ("run", "commit", "backend", "model", "fact F1", "finding F1", "micro F1"):
            t.add_column(col)
        for r in rows:
            t.add_row(
                r["run_id"], r["git_commit"] or "", r["backend"], r["model"] or "",
                f"{r['fact_f1']:.3f}", f"{r['finding_f1']:.3f}", f"{r['micro_f1']:.3f}",
            )  # fmt: skip
        out.print(t)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        app(args=argv, prog_name="extractor", standalone_mode=True)
    except UsageError as e:  # raised outside a command body
        err.print(f"error: {e}", highlight=False)
        sys.exit(e.exit_code)


if __name__ == "__main__":
    main()
