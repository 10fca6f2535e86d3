"""``runs results``: every prompt result of a run, as a table, JSON Lines or CSV on stdout, or written to a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final

from ... import ExportError
from ...types import ResultsPage
from ...workflows._formats import CsvEncoder, jsonl_text
from ...workflows.records import metric_name_of
from .._args import Subcommands, add_command, positive_int
from .._context import EXIT_API_ERROR, EXIT_OK, EXIT_USAGE, CommandError, Context
from .._render import DownloadProgress, dump_json, json_safe, render_table, terminal_safe
from .._views import prompt_rows

__all__ = ["register_results"]


def register_results(runs: Subcommands) -> None:
    """Add ``runs results``."""
    results = add_command(runs, "results", run_results, "every prompt result of a run")
    results.add_argument("run", metavar="UUID")
    results.add_argument(
        "--format",
        choices=["table", "jsonl", "csv"],
        default=None,
        help="default: table on stdout; with --output, the file's extension (.csv, .jsonl)",
    )
    results.add_argument("--output", metavar="FILE", help="write to FILE (.csv or .jsonl) instead of stdout")
    results.add_argument("--per-page", type=positive_int, default=100, help="prompts per request (default 100)")


_EXTENSIONS: Final = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def _output_format(ctx: Context) -> str:
    """The format of ``runs results``: ``--format``, else the ``--output`` file's extension, else a table."""
    args = ctx.args
    if not args.output:
        return str(args.format or ("jsonl" if ctx.json else "table"))
    implied = _EXTENSIONS.get(Path(args.output).suffix.lower())
    if args.format == "table":
        raise CommandError("--output writes jsonl or csv: --format table is for the terminal", EXIT_USAGE)
    if args.format and implied and args.format != implied:
        raise CommandError(
            f"--format {args.format} does not match the extension of {args.output} ({implied}): "
            "drop --format or name the file for its format",
            EXIT_USAGE,
        )
    fmt = args.format or implied
    if fmt is None:
        raise CommandError(
            f"cannot tell the format of {args.output} from its extension: name it .csv or .jsonl, or pass --format",
            EXIT_USAGE,
        )
    return str(fmt)


def run_results(ctx: Context) -> int:
    """``runs results``: every prompt result, streamed to stdout or written to ``--output``."""
    args = ctx.args
    fmt = _output_format(ctx)
    with ctx.client() as client:
        progress = DownloadProgress(ctx.stderr, tty=ctx.stderr_tty, label="results", per_page=args.per_page)
        if args.output:
            try:
                with progress:
                    count = client.evaluation_runs.export(
                        args.run,
                        args.output,
                        format="csv" if fmt == "csv" else "jsonl",
                        per_page=args.per_page,
                        on_progress=progress,
                    )
            except ExportError as exc:  # its message names the target and the reason, never a temporary file
                raise CommandError(exc.message, EXIT_API_ERROR) from None
            if ctx.json:
                dump_json({"path": str(args.output), "prompts": count, "format": fmt}, ctx.stdout)
            else:
                ctx.out(f"wrote {count} prompts to {args.output}")
            return EXIT_OK
        with progress, client.evaluation_runs.iter_results(args.run, per_page=args.per_page) as results:
            _stream_results(ctx, results.pages(), fmt, args.run, progress)
    return EXIT_OK


def _stream_results(
    ctx: Context, pages: Iterator[ResultsPage], fmt: str, run_uuid: str, progress: DownloadProgress
) -> None:
    done = 0
    encoder = CsvEncoder(run_uuid)
    metrics: list[str] | None = None
    # CSV goes out as the server sent it, unless a person is reading it on a terminal.
    csv_text = terminal_safe if ctx.stdout_tty else str
    for page in pages:
        done += len(page.prompts)
        progress(done, page.meta.total)
        if fmt == "jsonl":
            ctx.stdout.write(json_safe(jsonl_text(page.prompts, run_uuid)))
        elif fmt == "csv":
            ctx.stdout.write(csv_text(encoder.encode(page.prompts)))
        else:
            if metrics is None:
                names = {metric_name_of(r) for p in page.prompts for r in p.prompt_level_metric_results}
                metrics = sorted(n for n in names if n is not None)
            table = render_table(["PROMPT", *(m.upper() for m in metrics), "INPUT"], prompt_rows(page, metrics))
            # One header for the whole stream: later pages print their rows only.
            ctx.stdout.write(table if done == len(page.prompts) else table.split("\n", 2)[2])
        ctx.stdout.flush()
    if fmt == "csv":
        ctx.stdout.write(csv_text(encoder.finish()))
