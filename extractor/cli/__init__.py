"""The command line: a thin layer over the Python API.

Every command turns ``ExtractorError`` into one line on stderr and its exit code (2 for usage,
1 for failure); nothing the user can cause prints a traceback. Heavy modules are imported
inside the commands, so ``extractor --version`` starts at once.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from extractor import __version__, aio
from extractor.cli._common import announce as _announce
from extractor.cli._common import handle_errors as _errors
from extractor.cli._common import say as _say
from extractor.cli._options import HISTORY, json_options, model_options
from extractor.errors import ExtractorError, UsageError

if TYPE_CHECKING:
    from extractor.options import ExtractOptions
    from extractor.schemas import Report

__all__ = ["app", "main"]

FAIL_ON = ("never", "flagged", "unverifiable")


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int, str], None] | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("extracting", total=None)

    def update(done: int, total: int, label: str) -> None:
        bar.update(task, completed=done, total=total, description=label[:40])

    with bar:
        yield update


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="extractor", message="%(prog)s %(version)s"
)
def app() -> None:
    """Verified, structured data from Chinese environmental reports."""


# --- extract ---------------------------------------------------------------------------------


def _targets(output: Path, paths: list[Path]) -> Callable[[Path, Report], Path]:
    """Where each report's JSON goes in the output folder: NAME.json, or NAME-DOCID.json when
    two inputs share a name (2023/report.txt and 2024/report.txt)."""
    stems = Counter(p.stem for p in paths)

    def target(path: Path, report: Report) -> Path:
        if stems[path.stem] == 1:
            return output / f"{path.stem}.json"
        return output / f"{path.stem}-{report.doc_id[:8]}.json"

    return target


@app.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@model_options
@json_options
def extract(
    paths: tuple[Path, ...], opts: ExtractOptions, as_json: bool, output: Path | None
) -> None:
    """Extract facts, problems and recommendations from reports (.txt .md .docx .pdf)."""

    from extractor.cli._show import print_summary
    from extractor.loading import load
    from extractor.pipeline import aextract_document

    with _errors():
        _announce(opts)  # a configuration error is reported before any file is read
        many = len(paths) > 1
        if output is not None and many:
            output.mkdir(parents=True, exist_ok=True)
        target = _targets(output, list(paths)) if output is not None and many else None
        failures = 0
        for path in paths:
            try:
                doc = load(path, max_mb=opts.max_mb)
                with _progress(not as_json) as progress:
                    report = aio.run(aextract_document(doc, opts, progress=progress))
            except ExtractorError as e:
                if not many:
                    raise
                failures += 1
                _say(f"error: {e}")
                continue
            blob = report.model_dump_json(indent=2)
            if output is not None:
                where = target(path, report) if target is not None else output
                where.parent.mkdir(parents=True, exist_ok=True)
                where.write_text(blob + "\n", encoding="utf-8")
                _say(f"wrote {where}")
            if as_json:
                click.echo(report.model_dump_json() if many else blob)
            elif output is None or not many:
                print_summary(report)
        if failures:
            raise SystemExit(1)


# --- check -----------------------------------------------------------------------------------


def _read_report(path: Path) -> Report:
    from extractor.errors import InputError
    from extractor.schemas import Report

    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), f"cannot be read ({e})") from e
    try:
        return Report.model_validate_json(raw)
    except ValueError as e:
        first = str(e).splitlines()
        detail = " ".join(first[1:3]) if len(first) > 1 else str(e)
        raise InputError(str(path), f"is not a report JSON ({' '.join(detail.split())})") from e


@app.command("check")
@click.argument("report_path", type=click.Path(path_type=Path))
@click.option(
    "--source", type=click.Path(path_type=Path), help="The source document the facts came from."
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    default="never",
    show_default=True,
    help="Exit 1 when a fact is flagged (flagged), or flagged or unverifiable (unverifiable).",
)
@json_options
def check_cmd(
    report_path: Path, source: Path | None, fail_on: str, as_json: bool, output: Path | None
) -> None:
    """Re-check a stored report's facts against its source (a JSON with facts and quotes is
    enough with --source)."""
    from extractor.cli._show import print_summary
    from extractor.loading import load
    from extractor.pipeline import check

    with _errors():
        report = _read_report(report_path)
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
            _say(f"wrote {output}")
        if as_json:
            click.echo(blob)
        elif output is None:
            print_summary(checked)
        bad = checked.checks.flagged + (
            checked.checks.unverifiable if fail_on == "unverifiable" else 0
        )
        if fail_on != "never" and bad:
            what = "flagged" if fail_on == "flagged" else "flagged or unverifiable"
            _say(f"{bad} facts {what} (--fail-on {fail_on})")
            raise SystemExit(1)


# --- eval ------------------------------------------------------------------------------------


@app.group("eval", invoke_without_command=True)
@click.option(
    "--gold",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("eval/gold"),
    show_default=True,
    help="Folder of NAME.txt + NAME.gold.json.",
)
@click.option("--validate", is_flag=True, help="Only check that the gold files are valid.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Write report.md and scores.json here.",
)
@HISTORY
@click.option("--no-history", is_flag=True, help="Do not record the run.")
@model_options
@click.pass_context
def eval_group(ctx: click.Context, **kw: Any) -> None:
    """Score extraction against hand-labelled gold files."""
    if ctx.invoked_subcommand is None:
        _eval_run(**kw)


def _eval_run(
    gold: Path,
    validate: bool,
    out_dir: Path | None,
    history: Path,
    no_history: bool,
    opts: ExtractOptions,
) -> None:

    from extractor.cli._show import line, print_scores
    from extractor.evaluation import History, aevaluate, validate_gold, write_outputs

    with _errors():
        if validate:
            problems = validate_gold(gold)
            for problem in problems:
                _say(f"invalid {problem}")
            if problems:
                raise SystemExit(1)
            line(f"{gold}: gold is valid")
            return
        _announce(opts)
        with _progress(True) as progress:
            run = aio.run(aevaluate(gold, opts, progress=progress))
        target = out_dir or history.parent / run.run_id
        md, _ = write_outputs(run, target)
        if not no_history:
            with History(history) as h:
                h.record(run)
        print_scores(run)
        _say(f"wrote {md}")


@eval_group.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@HISTORY
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Leaves to list per side.",
)
def eval_compare(run_a: str, run_b: str, history: Path, limit: int) -> None:
    """Leaves newly fixed and newly broken between two runs (a unique prefix of an id is
    enough), and the paired F1 difference."""
    from extractor.cli._show import line
    from extractor.evaluation import History

    with _errors():
        if not history.exists():
            raise UsageError(f"{history}: no evaluation history yet; run extractor eval first")
        with History(history) as h:
            cmp = h.compare(run_a, run_b)
        line(f"{cmp.run_a} → {cmp.run_b}")
        for key in ("fact_f1", "finding_f1", "micro_f1"):
            a, b = cmp.headline_a.get(key, 0.0), cmp.headline_b.get(key, 0.0)
            line(f"  {key}: {a:.3f} → {b:.3f} ({b - a:+.3f})")
        line(
            f"  paired difference over {len(cmp.docs)} documents: fact F1 "
            f"{cmp.paired_difference('fact_f1'):+.3f}, micro F1 "
            f"{cmp.paired_difference('micro_f1'):+.3f}"
        )
        for label, items in (("fixed", cmp.fixed), ("broken", cmp.broken)):
            line(f"{len(items)} leaves newly {label}")
            for ch in items[:limit]:
                where = f"{ch.kind}[{ch.item}]" if ch.item is not None else f"{ch.kind}[new]"
                line(
                    f"  {ch.doc} {where}.{ch.field}: {ch.before} → {ch.after} "
                    f"(gold {ch.gold!r}, pred {ch.pred!r})"
                )


@eval_group.command("runs")
@HISTORY
def eval_runs(history: Path) -> None:
    """List recorded evaluation runs, newest first."""
    from rich.table import Table

    from extractor.cli._show import out
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
        out().print(t)


def _register() -> None:
    from extractor.cli._batch import batch_group
    from extractor.cli._export import export
    from extractor.cli._review import review
    from extractor.cli._serve import serve

    app.add_command(batch_group)
    app.add_command(export)
    app.add_command(review)
    app.add_command(serve)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    app.main(args=argv, prog_name="extractor")
