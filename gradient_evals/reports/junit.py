"""An :class:`EvaluationReport` as JUnit XML, the format CI systems show as a test report.

One ``<testsuite>`` per agent, named after it, holding one ``<testcase>`` per gate (class ``<agent>.gates``) and
one per prompt (class ``<agent>.prompts``). The file agrees with the verdict: only what the verdict counts fails.
The gates judge a run's scores, not single prompts, so a prompt under a per-prompt threshold is a passed case whose
``<system-out>`` says it is informational, then why, the input, expected response, answer now and at the baseline
(each clipped to :data:`ANSWER_CLIP` characters) and in full, with the metric values and the judge's reasoning. A
prompt whose metrics errored is recorded the same way, unless ``require_complete`` makes every prompt count: then
it is an ``<error>`` (the completeness gate fails with it). A prompt whose every metric was skipped gets
``<skipped>``, and so does a quarantined prompt ("quarantined", with how it did): it is left out of every gate. A
failed ``max_regression`` gate lists the prompts that fell most on its metric, with both answers. A run that
FAILED, was CANCELLED or timed out is an ``<error>`` of its run-status gate. The UUIDs needed to reproduce the run
are ``<properties>`` of its suite. The run's tokens, cost and wall time are ``<properties>`` too, and so are a
repeat group's K, pass@K and pass^K, with one ``flaky`` property per flaky prompt. A check on the answers is a
gate, so one test case per check and agent; a failed one lists the prompts that failed it, with the reason and
the answer.

The attributes used are those of the JUnit schema that Jenkins, GitLab, GitHub test reporters and ``junitparser``
read. Text is stripped of the characters XML 1.0 cannot carry (agent outputs are untrusted).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection
from datetime import UTC, datetime

import attrs

from ..results import AgentResult, EvaluationReport, GateKind, GateResult, PromptOutcome
from ..workflows.explain import explained_prompts
from ._format import clean, format_score, one_line, prompt_title, status_text, truncate
from ._repeats import flaky_rows
from ._usage import failures_text

__all__ = ["ANSWER_CLIP", "render_junit"]

_MESSAGE_LIMIT = 300
_OUTPUT_LIMIT = 4000
ANSWER_CLIP = 200
"""Characters of the input, expected response, answer now and baseline answer in a failure's ``message`` (the
failure's text holds each up to 4,000 characters)."""
_GATE_PROMPTS = 10
_INFORMATIONAL = (
    "informational: under a per-prompt threshold or errored, which no gate counts (the gates judge the run's "
    "scores); this case passes"
)


def _duration(agent: AgentResult) -> float:
    run = agent.run
    if run is None or run.started_at is None or run.finished_at is None:
        return 0.0
    return max(0.0, (run.finished_at - run.started_at).total_seconds())


def _value(value: float | str) -> str:
    return one_line(value) if isinstance(value, str) else format_score(value)


def _values_text(prompt: PromptOutcome) -> str:
    lines = [f"{one_line(name)} = {_value(v)}" for name, v in prompt.values.items()]
    lines += [f"{one_line(name)}: ERROR {one_line(error)}" for name, error in prompt.errors.items()]
    lines += [f"{one_line(name)}: SKIPPED" for name in prompt.skipped]
    return "\n".join(lines)


def _prompt_body(prompt: PromptOutcome) -> str:
    parts = []
    if prompt.failures:
        parts.append("failed:\n" + "\n".join(f"  {one_line(line)}" for line in prompt.failures))
    parts.append("metrics:\n" + "\n".join(f"  {line}" for line in _values_text(prompt).splitlines()))
    if prompt.slice is not None:
        parts.append(f"slice: {one_line(prompt.slice)}")
    parts.append(f"input:\n{clean(prompt.input)[:_OUTPUT_LIMIT]}")
    if prompt.ground_truth is not None:
        parts.append(f"expected:\n{clean(prompt.ground_truth)[:_OUTPUT_LIMIT]}")
    parts.append(f"output:\n{clean(prompt.output)[:_OUTPUT_LIMIT]}")
    base = prompt.baseline
    if base is not None:
        parts.append(f"baseline output:\n{clean(base.output)[:_OUTPUT_LIMIT]}")
        parts.append("baseline metrics:\n" + "\n".join(f"  {line}" for line in _values_text(base).splitlines()))
    if prompt.reasoning:
        lines = [f"  {one_line(name)}: {truncate(text, _OUTPUT_LIMIT)}" for name, text in prompt.reasoning.items()]
        parts.append("judge's reasoning:\n" + "\n".join(lines))
    return "\n\n".join(parts)


def _answers_message(prompt: PromptOutcome, why: str) -> str:
    """A failure's message: why, then the input, expected, now and baseline answers, each clipped."""
    lines = [truncate(why, _MESSAGE_LIMIT), f"input: {truncate(prompt.input, ANSWER_CLIP)}"]
    if prompt.ground_truth is not None:
        lines.append(f"expected: {truncate(prompt.ground_truth, ANSWER_CLIP)}")
    lines.append(f"now: {truncate(prompt.output, ANSWER_CLIP)}")
    if prompt.baseline is not None:
        lines.append(f"baseline: {truncate(prompt.baseline.output, ANSWER_CLIP)}")
    return "\n".join(lines)


def _regressed_prompts(report: EvaluationReport, agent: AgentResult, gate: GateResult) -> str:
    """For a failed regression gate: the prompts that fell the most on its metric, with both answers."""
    items, _ = explained_prompts(report, agents=[agent])
    chosen = [i for i in items if any(r.metric == gate.metric for r in i.regressions)][:_GATE_PROMPTS]
    blocks = []
    for item in chosen:
        fall = next(r for r in item.regressions if r.metric == gate.metric)
        head = f"{prompt_title(item.prompt.prompt_id, item.prompt.input)}: {format_score(fall.base_value)} -> "
        blocks.append(head + format_score(fall.candidate_value) + "\n" + _answers_message(item.prompt, ""))
    return "\n\n".join(blocks)


class _Counts:
    def __init__(self) -> None:
        self.tests = self.failures = self.errors = self.skipped = 0

    def add(self, other: _Counts) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped

    def set_on(self, element: ET.Element) -> None:
        element.set("tests", str(self.tests))
        element.set("failures", str(self.failures))
        element.set("errors", str(self.errors))
        element.set("skipped", str(self.skipped))


def _gate_case(
    suite: ET.Element, classname: str, gate: GateResult, counts: _Counts, *, run_failed: bool, explain: str = ""
) -> None:
    case = ET.SubElement(suite, "testcase", name=one_line(gate.name), classname=classname, time="0")
    counts.tests += 1
    if gate.passed and not gate.applied:  # asked for, but could not be checked: skipped, with the reason
        counts.skipped += 1
        ET.SubElement(case, "skipped", message=truncate(f"not applied: {gate.message}", _MESSAGE_LIMIT))
        return
    if gate.passed and gate.outcome == "inconclusive":  # too few prompts to tell: skipped, with the interval
        counts.skipped += 1
        ET.SubElement(case, "skipped", message=truncate(gate.message, _MESSAGE_LIMIT))
        return
    if gate.passed:
        return
    message = truncate(gate.message or gate.name, _MESSAGE_LIMIT)
    if run_failed and gate.kind == GateKind.RUN_STATUS:  # the run broke: an error, not a quality failure
        counts.errors += 1
        child = ET.SubElement(case, "error", message=message, type="run")
    else:
        counts.failures += 1
        child = ET.SubElement(case, "failure", message=message, type="gate")
    child.text = clean(gate.message) + (f"\n\n{clean(explain)}" if explain else "")


def _prompt_case(
    suite: ET.Element,
    classname: str,
    prompt: PromptOutcome,
    counts: _Counts,
    *,
    complete_required: bool,
    quarantined: Collection[str] = (),
) -> None:
    case = ET.SubElement(suite, "testcase", name=prompt_title(prompt.prompt_id, prompt.input), classname=classname)
    case.set("time", "0")
    counts.tests += 1
    errors = "; ".join(f"{name}: {error}" for name, error in prompt.errors.items())
    why = "; ".join([*prompt.failures, *([f"errored: {errors}"] if errors else [])])
    if (prompt.input or "").strip() in quarantined:  # evaluated, shown, and left out of every gate: skipped
        counts.skipped += 1
        ET.SubElement(case, "skipped", message=truncate(f"quarantined ({why or 'passed'})", _MESSAGE_LIMIT))
        return
    if prompt.errors and complete_required:  # the completeness gate counts this prompt: an error of the run
        counts.errors += 1
        child = ET.SubElement(case, "error", message=_answers_message(prompt, errors), type="metric_error")
        child.text = _prompt_body(prompt)
        return
    if prompt.failures or prompt.errors:  # no gate counts prompts: a passed case, and the details as its output
        out = ET.SubElement(case, "system-out")
        out.text = f"{_INFORMATIONAL}\n\n{_answers_message(prompt, why)}\n\n{_prompt_body(prompt)}"
    elif prompt.skipped and not prompt.values:
        counts.skipped += 1
        ET.SubElement(case, "skipped", message=truncate("skipped: " + ", ".join(prompt.skipped), _MESSAGE_LIMIT))


def _properties(suite: ET.Element, report: EvaluationReport, agent: AgentResult) -> None:
    values = {
        "evaluation_run_uuid": agent.evaluation_run_uuid,
        "agent_uuid": agent.agent_uuid,
        "agent_deployment_name": agent.agent_deployment_name,
        "run_status": status_text(agent),
        "baseline_run_uuid": agent.baseline_run_uuid,
        "test_case_uuid": report.test_case_uuid,
        "test_case_version": None if report.test_case_version is None else str(report.test_case_version),
        "dataset_uuid": report.dataset_uuid,
        "input_tokens": None if agent.tokens is None else str(agent.tokens.input_total),
        "output_tokens": None if agent.tokens is None else str(agent.tokens.output_total),
        "cost_usd": None if agent.cost is None else f"{agent.cost.total:.6f}",
        "wall_time_s": None if agent.wall_time is None else f"{agent.wall_time:.3f}",
    }
    group = agent.repeat_group
    if group is not None and group.repeats > 1:
        values["repeats"] = str(group.repeats)
        values.update({f"pass_at_k.{m}": f"{r:.4g}" for m, r in group.pass_at_k.items()})
        values.update({f"pass_all_k.{m}": f"{r:.4g}" for m, r in group.pass_all_k.items()})
    if group is not None and group.quarantined:
        values["quarantined_prompts"] = str(group.quarantined)
    properties = ET.SubElement(suite, "properties")
    for name, value in values.items():
        if value is not None:
            ET.SubElement(properties, "property", name=name, value=one_line(value))
    for row in flaky_rows(attrs.evolve(report, agents=(agent,)), answer_chars=80)[0]:  # a property each
        repeats = " | ".join(f"{score} {answer!r}" for _, score, answer in row.repeats)
        text = f"{row.metric} flips {row.flip_rate} ({row.passes} passed): {row.input!r}: {repeats}"
        ET.SubElement(properties, "property", name="flaky", value=truncate(text, _MESSAGE_LIMIT))


def render_junit(report: EvaluationReport) -> str:
    """The report as a JUnit XML document (a string starting with the XML declaration)."""
    title = report.test_case_name or report.test_case_uuid
    root = ET.Element("testsuites", name=one_line(f"gradient-evals: {title}"))
    totals = _Counts()
    total_time = 0.0
    stamp = (report.created_at or datetime.now(UTC)).replace(microsecond=0)
    for index, agent in enumerate(report.agents):
        label = one_line(agent.label)
        suite = ET.SubElement(root, "testsuite", name=label, id=str(index))
        duration = _duration(agent)
        total_time += duration
        suite.set("time", f"{duration:.3f}")
        suite.set("timestamp", stamp.astimezone(UTC).replace(tzinfo=None).isoformat())
        _properties(suite, report, agent)
        counts = _Counts()
        for gate in agent.gates:
            explain = ""
            if not gate.passed and gate.applied and gate.kind == GateKind.MAX_REGRESSION:
                explain = "the prompts that fell most:\n\n" + _regressed_prompts(report, agent, gate)
            elif not gate.passed and gate.kind == GateKind.CHECK:
                found = next((r for r in agent.checks if r.metric == gate.metric), None)
                explain = "" if found is None else "the prompts that failed:\n\n" + failures_text(found)
            _gate_case(suite, f"{label}.gates", gate, counts, run_failed=agent.run_failed, explain=explain)
        quarantined = () if agent.repeat_group is None else frozenset(agent.repeat_group.quarantined_inputs)
        for prompt in agent.prompts:
            _prompt_case(
                suite,
                f"{label}.prompts",
                prompt,
                counts,
                complete_required=report.require_complete,
                quarantined=quarantined,
            )
        counts.set_on(suite)
        totals.add(counts)
    totals.set_on(root)
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
