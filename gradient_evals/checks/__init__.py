"""Checks on the answers themselves: deterministic rules every prompt's answer must meet, run locally after a run.

```python
from gradient_evals.checks import MaxOutputTokens, NotContains, Regex, ToolCalled

checks = [
    Regex(r"ORD-\\d{5}", name="quotes an order"),
    NotContains(["Acme Corp"]),
    MaxOutputTokens(300),
    ToolCalled("lookup_order", min_pass_rate=90),
]
```

Pass them as ``checks=[...]`` to ``evaluate`` or ``evaluate_suites`` (or declare them as
``[[suites.NAME.checks]]`` in ``gradient-evals.toml``). A check sends nothing: it judges the answers the run
returned. By default every prompt must pass it; ``min_pass_rate`` (a percentage) relaxes that. Each check is
reported as a pass/fail metric called ``check:<name>``. A plain function ``(prompt) -> bool | (bool, reason)`` is a
check too; an exception in it fails that prompt with its message.

``json_schema`` needs the ``jsonschema`` package (``pip install 'gradient-evals[checks]'``).
"""

from ._base import Check, CheckError
from ._config import KINDS, check_from_table, schema_from_file
from ._prompt import (
    Custom,
    ExpectedInAnswer,
    MaxInputTokens,
    MaxOutputTokens,
    ToolCalled,
    ToolOrder,
    tool_calls,
)
from ._run import CheckFailure, CheckResult, as_checks, judge_all, run_checks
from ._text import (
    DEFAULT_REGEX_TIMEOUT,
    Contains,
    Equals,
    IContains,
    IsJSON,
    JSONSchema,
    MaxWords,
    NotContains,
    Regex,
    StartsWith,
)

__all__ = [
    "DEFAULT_REGEX_TIMEOUT",
    "KINDS",
    "Check",
    "CheckError",
    "CheckFailure",
    "CheckResult",
    "Contains",
    "Custom",
    "Equals",
    "ExpectedInAnswer",
    "IContains",
    "IsJSON",
    "JSONSchema",
    "MaxInputTokens",
    "MaxOutputTokens",
    "MaxWords",
    "NotContains",
    "Regex",
    "StartsWith",
    "ToolCalled",
    "ToolOrder",
    "as_checks",
    "check_from_table",
    "judge_all",
    "run_checks",
    "schema_from_file",
    "tool_calls",
]
