"""``gradient-evals datasets ...``: evaluation datasets: list, upload, download, delete."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Final, TextIO

from .._args import Subcommands, add_command, add_group
from .._context import EXIT_OK, Context
from .._render import ByteProgress, dump_json, render_table, status_name
from .._views import clip

if TYPE_CHECKING:
    from ...types import EvaluationDataset

__all__ = ["register"]

# Below this a file uploads in a blink and a bar would only flicker.
_PROGRESS_FROM_BYTES: Final = 8 * 1024 * 1024
_TYPE_PREFIX: Final = "EVALUATION_DATASET_TYPE_"


def register(commands: Subcommands) -> None:
    """Add ``datasets`` and its commands."""
    datasets = add_group(commands, "datasets", "evaluation datasets")
    listing = add_command(datasets, "list", list_datasets, "list evaluation datasets")
    listing.add_argument("--type", dest="dataset_type", help="only datasets of this type (adk, non_adk, model)")
    upload = add_command(datasets, "upload", upload_dataset, "check a CSV file, upload it and create a dataset")
    upload.add_argument("file", metavar="FILE", help="a UTF-8 CSV file with a header and a 'query' column")
    upload.add_argument("--name", required=True, help="the dataset's name")
    upload.add_argument("--type", dest="dataset_type", help="adk, non_adk or model")
    download = add_command(datasets, "download", download_dataset, "download a dataset's CSV file")
    download.add_argument("dataset", metavar="UUID")
    download.add_argument("path", metavar="PATH", help="the file to write (replaced only once complete)")
    delete = add_command(datasets, "delete", delete_dataset, "delete a dataset")
    delete.add_argument("dataset", metavar="UUID")


def _short_type(value: object) -> str:
    name = status_name(value)
    return name[len(_TYPE_PREFIX) :].lower() if name.startswith(_TYPE_PREFIX) else name


def _rows(datasets: tuple[EvaluationDataset, ...]) -> str:
    rows = [
        [
            d.dataset_uuid,
            clip(d.dataset_name, 40),
            _short_type(d.dataset_type) if d.dataset_type else None,
            d.row_count,
            d.file_size,
            None if d.has_ground_truth is None else ("yes" if d.has_ground_truth else "no"),
            d.created_at.strftime("%Y-%m-%d %H:%M") if d.created_at else None,
        ]
        for d in datasets
    ]
    headers = ["uuid", "name", "type", "rows", "bytes", "ground truth", "created"]
    return render_table(headers, rows, right=[3, 4])


def list_datasets(ctx: Context) -> int:
    """``datasets list``: every dataset, or those of one type."""
    with ctx.client() as client:
        datasets = client.evaluation_datasets.list(dataset_type=ctx.args.dataset_type)
    if ctx.json:
        dump_json(datasets, ctx.stdout)
    else:
        ctx.out(_rows(datasets) if datasets else "no datasets")
    return EXIT_OK


def _UploadProgress(stream: TextIO, *, tty: bool) -> ByteProgress:
    """A bar of bytes sent, on a terminal only; an upload retried from the start shows the bar from 0 again."""
    return ByteProgress(stream, tty=tty, label="uploading")


def upload_dataset(ctx: Context) -> int:
    """``datasets upload``: prints the new dataset's UUID."""
    path = Path(ctx.args.file)
    try:
        large = path.stat().st_size >= _PROGRESS_FROM_BYTES
    except OSError:
        large = False  # the upload's own checks say what is wrong with the path
    with ctx.client() as client, _UploadProgress(ctx.stderr, tty=ctx.stderr_tty and large) as progress:
        uuid = client.evaluation_datasets.upload(
            path, name=ctx.args.name, dataset_type=ctx.args.dataset_type, on_progress=progress
        )
    if ctx.json:
        dump_json({"evaluation_dataset_uuid": uuid}, ctx.stdout)
    else:
        ctx.out(uuid)
    return EXIT_OK


def download_dataset(ctx: Context) -> int:
    """``datasets download``: writes the file, prints its size."""
    with ctx.client() as client:
        written = client.evaluation_datasets.download(ctx.args.dataset, ctx.args.path)
    if ctx.json:
        dump_json({"path": os.fspath(ctx.args.path), "bytes": written}, ctx.stdout)
    else:
        ctx.note(f"wrote {written:,} bytes to {ctx.args.path}")
    return EXIT_OK


def delete_dataset(ctx: Context) -> int:
    """``datasets delete``."""
    with ctx.client() as client:
        client.evaluation_datasets.delete(ctx.args.dataset)
    if ctx.json:
        dump_json({"deleted": ctx.args.dataset}, ctx.stdout)
    else:
        ctx.note(f"deleted dataset {ctx.args.dataset}")
    return EXIT_OK
