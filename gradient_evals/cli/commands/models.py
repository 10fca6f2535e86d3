"""``gradient-evals models ...``: model evaluations: saved presets (and, beside them, runs and metrics)."""

from __future__ import annotations

from collections.abc import Sequence

from ...types import ModelEvaluationPreset
from .._args import Subcommands, add_command, add_group
from .._context import EXIT_OK, Context
from .._render import dump_json, render_table
from .._views import clip
from ._model_compare import register_compare
from ._model_runs import register_runs

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``models`` and its command groups."""
    models = add_group(commands, "models", "model evaluations: runs, comparisons, presets, metrics")
    presets = add_group(models, "presets", "saved model-evaluation settings")
    add_command(presets, "list", list_presets, "every saved preset: name, UUID, candidate, judge")
    get = add_command(presets, "get", get_preset, "one preset in full")
    get.add_argument("preset", metavar="UUID")
    delete = add_command(presets, "delete", delete_preset, "delete a preset")
    delete.add_argument("preset", metavar="UUID")
    register_runs(models)
    register_compare(models)


def _preset_rows(presets: Sequence[ModelEvaluationPreset]) -> str:
    rows = [
        (clip(p.name, 32), p.eval_preset_uuid, clip(p.candidate_model_name, 32), clip(p.judge_model_name, 32))
        for p in presets
    ]
    return render_table(["NAME", "UUID", "CANDIDATE", "JUDGE"], rows)


def list_presets(ctx: Context) -> int:
    """``models presets list``."""
    with ctx.client() as client:
        presets = client.model_evaluation_presets.list()
    if ctx.json:
        dump_json(list(presets), ctx.stdout)
    else:
        ctx.out(_preset_rows(presets) if presets else "no presets")
    return EXIT_OK


def get_preset(ctx: Context) -> int:
    """``models presets get UUID``."""
    with ctx.client() as client:
        preset = client.model_evaluation_presets.retrieve(ctx.args.preset)
    if ctx.json:
        dump_json(preset, ctx.stdout)
    else:
        ctx.out(_preset_rows([preset]))
    return EXIT_OK


def delete_preset(ctx: Context) -> int:
    """``models presets delete UUID``."""
    with ctx.client() as client:
        client.model_evaluation_presets.delete(ctx.args.preset)
    ctx.out(f"deleted preset {ctx.args.preset}")
    return EXIT_OK
