"""The API's models, one module per resource: frozen, slotted attrs classes with keyword-only fields.

Every field is optional, as it is in the API: a key the server leaves out becomes ``None`` (or an empty tuple for
lists). Enum fields are *open*: a value this version of the SDK does not know stays a plain ``str`` instead of
failing the page, so their type is ``Enum | str | None``. Unknown keys are ignored.

```python
from gradient_evals import types

def score(prompt: types.EvaluationPrompt) -> float | None: ...
```
"""

import importlib
from typing import TYPE_CHECKING, Any

# Each module lists its public names in __all__; this package re-exports them all, so a model is declared once.
# Model classes resemble one another by shape (optional fields with None defaults, open enums): declarations of
# the API's objects, not logic to share.
if TYPE_CHECKING:
    from ._shared import *  # noqa: F403
    from .evaluation_datasets import *  # noqa: F403
    from .evaluation_metrics import *  # noqa: F403
    from .evaluation_runs import *  # noqa: F403
    from .evaluation_test_cases import *  # noqa: F403
    from .reports import *  # noqa: F403
    from .summaries import *  # noqa: F403

# At run time a module loads when one of its names is first used (PEP 562), so that code reading a run's models
# does not load the summaries' and reports' dependencies. A name is looked for in this order, the modules with
# the fewest dependencies first; a new module goes in this tuple (and in the block above, for type checkers).
_MODULES = (
    "_shared",
    "evaluation_runs",
    "evaluation_datasets",
    "evaluation_metrics",
    "evaluation_test_cases",
    "summaries",
    "reports",
)


def _load(module_name: str) -> Any:
    return importlib.import_module(f".{module_name}", __name__)


def _every_name() -> list[str]:
    return sorted({name for module_name in _MODULES for name in _load(module_name).__all__})


# Kept from type checkers, which see the names above: a misspelt model name stays an error for them.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            value = _every_name()
        elif name in _MODULES:
            value = _load(name)
        else:
            for module_name in _MODULES:
                module = _load(module_name)
                if name in module.__all__:
                    value = getattr(module, name)
                    break
            else:
                raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_every_name()})
