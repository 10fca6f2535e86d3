"""Testing helpers: an embedded emulator of the evaluation-runs API and a pytest plugin.

```python
from gradient_evals.testing import FakeGradientServer, Fault

with FakeGradientServer(seed=0) as server:
    run_uuid = server.add_run(prompts=500)
    server.inject(Fault.status(503), on_request=2)
    ...  # point a client at server.base_url with server.token
```

The pytest fixtures live in ``gradient_evals.testing.pytest_plugin``; enable them with
``pytest_plugins = ["gradient_evals.testing.pytest_plugin"]``.
"""

from ._faults import Fault, FaultRule
from ._server import FakeGradientServer, RecordedRequest

__all__ = ["FakeGradientServer", "Fault", "FaultRule", "RecordedRequest"]
