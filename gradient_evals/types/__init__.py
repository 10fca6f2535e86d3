"""The API's models, one module per resource: frozen, slotted attrs classes with keyword-only fields.

Only what the API sends lives here; what the SDK computes from it (summaries, comparisons, verdicts, evaluation
reports) is in :mod:`gradient_evals.results`.

Every field is optional, as it is in the API: a key the server leaves out becomes ``None`` (or an empty tuple for
lists). Enum fields are *open*: a value this version of the SDK does not know stays a plain ``str`` instead of
failing the page, so their type is ``Enum | str | None``. Unknown keys are ignored.

```python
from gradient_evals import types

def score(prompt: types.EvaluationPrompt) -> float | None: ...
```
"""

# Each module lists its public names in __all__; this package re-exports them all, so a model is declared once.
# Model classes resemble one another by shape (optional fields with None defaults, open enums): declarations of
# the API's objects, not logic to share.
from . import (
    _shared,
    agent_components,
    agent_versions,
    agents,
    evaluation_datasets,
    evaluation_metrics,
    evaluation_runs,
    evaluation_test_cases,
    model_evaluation_presets,
    model_evaluation_runs,
)
from ._shared import *  # noqa: F403
from .agent_components import *  # noqa: F403
from .agent_versions import *  # noqa: F403
from .agents import *  # noqa: F403
from .evaluation_datasets import *  # noqa: F403
from .evaluation_metrics import *  # noqa: F403
from .evaluation_runs import *  # noqa: F403
from .evaluation_test_cases import *  # noqa: F403
from .model_evaluation_presets import *  # noqa: F403
from .model_evaluation_runs import *  # noqa: F403

__all__ = sorted(
    {
        *_shared.__all__,
        *agent_components.__all__,
        *agent_versions.__all__,
        *agents.__all__,
        *evaluation_datasets.__all__,
        *evaluation_metrics.__all__,
        *evaluation_runs.__all__,
        *evaluation_test_cases.__all__,
        *model_evaluation_presets.__all__,
        *model_evaluation_runs.__all__,
    }
)
