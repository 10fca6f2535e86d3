"""The emulator's records (test cases and runs) and the small helpers their JSON is built with.

Nothing here is held per prompt: a prompt is a pure function of ``(run key, index)`` (its agent output,
metrics and trace) and ``(test case key, index)`` (its dataset row: input, ground truth, prompt id); see
``_prompts``.  Every JSON object is a plain ``dict`` built by hand; the SDK's own models are deliberately not
used, so the emulator stays an independent oracle.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import InvalidArgumentError
from ._answers import AnswerStyle

__all__ = [
    "NON_TERMINAL_STATUSES",
    "RUN_STATUSES",
    "TERMINAL_STATUSES",
    "RunRecord",
    "TestCaseRecord",
    "check_status",
    "format_timestamp",
    "json_number",
    "rng_uuid",
    "synthetic_ns",
]

RUN_STATUSES = (
    "EVALUATION_RUN_STATUS_UNSPECIFIED",
    "EVALUATION_RUN_QUEUED",
    "EVALUATION_RUN_RUNNING_DATASET",
    "EVALUATION_RUN_EVALUATING_RESULTS",
    "EVALUATION_RUN_CANCELLING",
    "EVALUATION_RUN_CANCELLED",
    "EVALUATION_RUN_SUCCESSFUL",
    "EVALUATION_RUN_PARTIALLY_SUCCESSFUL",
    "EVALUATION_RUN_FAILED",
)
TERMINAL_STATUSES = frozenset(
    {
        "EVALUATION_RUN_CANCELLED",
        "EVALUATION_RUN_SUCCESSFUL",
        "EVALUATION_RUN_PARTIALLY_SUCCESSFUL",
        "EVALUATION_RUN_FAILED",
    }
)
NON_TERMINAL_STATUSES = frozenset(RUN_STATUSES) - TERMINAL_STATUSES

# Fraction of a run's prompts that are visible while a run is frozen in a non-terminal status.
FROZEN_VISIBLE_FRACTION = {
    "EVALUATION_RUN_STATUS_UNSPECIFIED": 0.0,
    "EVALUATION_RUN_QUEUED": 0.0,
    "EVALUATION_RUN_RUNNING_DATASET": 1 / 3,
    "EVALUATION_RUN_EVALUATING_RESULTS": 2 / 3,
    "EVALUATION_RUN_CANCELLING": 1 / 2,
}


def rng_uuid(rng: random.Random) -> str:
    """A random-looking (version 4) UUID drawn from ``rng``."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def format_timestamp(ns: int) -> str:
    """RFC 3339 in UTC with ``Z``, like Go's ``time.RFC3339Nano``: trailing zeros of the fraction trimmed."""
    secs, frac = divmod(ns, 1_000_000_000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def synthetic_ns(rng: random.Random, seconds: float) -> int:
    """``seconds`` since the epoch as nanoseconds with a fraction of mixed precision (or none)."""
    whole = int(seconds)
    kind = rng.random()
    if kind < 0.3:
        frac = 0
    elif kind < 0.55:
        frac = rng.randrange(1000) * 1_000_000
    elif kind < 0.8:
        frac = rng.randrange(1_000_000) * 1_000
    else:
        frac = rng.randrange(1_000_000_000)
    return whole * 1_000_000_000 + frac


def json_number(value: float) -> float | int:
    """Whole numbers are written without a fraction, as a Go server would (``100`` rather than ``100.0``)."""
    return int(value) if float(value).is_integer() else value


def check_status(status: str, *, terminal: bool = False) -> None:
    """Raise ValueError unless ``status`` is a run status (a terminal one when ``terminal``)."""
    if status not in RUN_STATUSES:
        raise InvalidArgumentError(f"unknown evaluation run status {status!r}")
    if terminal and status not in TERMINAL_STATUSES:
        raise InvalidArgumentError(f"{status!r} is not a terminal status")


@dataclass
class TestCaseRecord:
    """A test case: its identity, its versions (version -> dataset size) and its prompt id range."""

    uuid: str
    name: str
    description: str
    version: int
    sizes: dict[int, int]
    prompt_id_base: int
    key: bytes
    workspace_uuid: str
    # version -> the metrics a test case made through the API scores (``_scores.Scoring``); versions without
    # an entry score the default three metrics.
    scoring: dict[int, Any] = field(default_factory=dict)
    # version -> the ``(input, ground truth or None)`` of each row of the uploaded dataset that version was made
    # on; versions without an entry (test cases added by the server's owner) generate their rows.
    rows: dict[int, tuple[tuple[str, str | None], ...]] = field(default_factory=dict)

    __test__ = False  # not a pytest test class

    def size(self, version: int | None = None) -> int:
        """Number of dataset rows of ``version`` (the latest by default)."""
        return self.sizes.get(self.version if version is None else version, self.sizes[self.version])


@dataclass
class RunRecord:
    """An evaluation run.  Either frozen in ``fixed_status`` or driven by wall-clock time since creation."""

    uuid: str
    test_case: TestCaseRecord
    test_case_version: int
    n_prompts: int
    run_name: str
    agent_uuid: str | None
    agent_deployment_name: str | None
    agent_name: str
    agent_workspace_uuid: str
    agent_version_hash: str
    created_by_user_id: str
    created_by_user_email: str
    key: bytes
    quality: float
    fixed_status: str | None
    final_status: str
    duration: float
    created_monotonic: float
    queued_ns: int
    started_ns: int
    finished_ns: int
    error_description: str | None = None
    aggregate: dict[str, Any] | None = field(default=None, repr=False)
    # metric name -> the quality (0-100) that metric's values follow instead of ``quality`` (see
    # ``FakeGradientServer.set_agent_profile``).
    metric_quality: dict[str, float] = field(default_factory=dict)
    # prompt index -> the quality every metric of that prompt follows (the profile's ``inputs``).
    prompt_quality: dict[int, float] = field(default_factory=dict)
    # how the agent answers (``FakeGradientServer.set_agent_answers``).
    answers: AnswerStyle = field(default_factory=AnswerStyle)
    # prompt index -> that prompt's difficulty (``_scores.prompt_difficulty`` of its input text), shared by every
    # run of the dataset; a run without one has prompts of equal difficulty.
    difficulty: Callable[[int], float] | None = field(default=None, repr=False)
    # prompt index -> the exact correctness this run gives it (``FakeGradientServer.script_prompt_scores``): no
    # quality, difficulty or judge noise.
    scripted: dict[int, float] = field(default_factory=dict)

    def difficulty_of(self, index: int) -> float:
        """The difficulty of prompt ``index`` (points added to its scores in every run)."""
        return 0.0 if self.difficulty is None else self.difficulty(index)

    def quality_of(self, metric: str, index: int | None = None) -> float:
        """The quality the values of ``metric`` follow in this run (on prompt ``index``, when given)."""
        if index is not None and index in self.prompt_quality:
            return self.prompt_quality[index]
        return self.metric_quality.get(metric, self.quality)

    def state(self, now_monotonic: float) -> tuple[str, int]:
        """Current ``(status, number of visible prompts)``."""
        if self.fixed_status is not None:
            if self.fixed_status in TERMINAL_STATUSES:
                return self.fixed_status, self.n_prompts
            return self.fixed_status, int(self.n_prompts * FROZEN_VISIBLE_FRACTION[self.fixed_status])
        elapsed = now_monotonic - self.created_monotonic
        d = self.duration
        if elapsed >= d:
            return self.final_status, self.n_prompts
        if elapsed < 0.15 * d:
            return "EVALUATION_RUN_QUEUED", 0
        visible = int(self.n_prompts * (elapsed - 0.15 * d) / (0.85 * d))
        visible = min(max(visible, 0), self.n_prompts)
        if elapsed < 0.6 * d:
            return "EVALUATION_RUN_RUNNING_DATASET", visible
        return "EVALUATION_RUN_EVALUATING_RESULTS", visible

    def to_json(self, status: str, aggregate: dict[str, Any] | None) -> dict[str, Any]:
        """The ``apiEvaluationRun`` object for the given current status."""
        tc = self.test_case
        out: dict[str, Any] = {
            "evaluation_run_uuid": self.uuid,
            "run_name": self.run_name,
            "status": status,
            "test_case_uuid": tc.uuid,
            "test_case_name": tc.name,
            "test_case_description": tc.description,
            "test_case_version": self.test_case_version,
            "evaluation_test_case_workspace_uuid": tc.workspace_uuid,
            "agent_name": self.agent_name,
            "agent_workspace_uuid": self.agent_workspace_uuid,
            "agent_version_hash": self.agent_version_hash,
            "agent_deleted": False,
            "created_by_user_id": self.created_by_user_id,
            "created_by_user_email": self.created_by_user_email,
            "queued_at": format_timestamp(self.queued_ns),
        }
        if self.agent_uuid is not None:
            out["agent_uuid"] = self.agent_uuid
        if self.agent_deployment_name is not None:
            out["agent_deployment_name"] = self.agent_deployment_name
        if status not in ("EVALUATION_RUN_QUEUED", "EVALUATION_RUN_STATUS_UNSPECIFIED"):
            out["started_at"] = format_timestamp(self.started_ns)
        if status in TERMINAL_STATUSES:
            out["finished_at"] = format_timestamp(self.finished_ns)
        if status in ("EVALUATION_RUN_FAILED", "EVALUATION_RUN_CANCELLED"):
            out["error_description"] = self.error_description or (
                "evaluation cancelled by user"
                if status == "EVALUATION_RUN_CANCELLED"
                else "agent endpoint returned HTTP 502 for 37% of prompts; evaluation aborted"
            )
            out["pass_status"] = False
        elif aggregate is not None and status in TERMINAL_STATUSES:
            out["run_level_metric_results"] = aggregate["run_level_metric_results"]
            if "star_metric_result" in aggregate:
                out["star_metric_result"] = aggregate["star_metric_result"]
            out["pass_status"] = aggregate["pass_status"]
        return out
