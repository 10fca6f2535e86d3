"""``GradientEvals``: the blocking facade. It holds no logic of its own: each call runs the async twin.

The async client lives on one event loop in a daemon thread for the sync client's whole life (an
``httpx.AsyncClient`` is bound to the loop it was made on), reached through an anyio blocking portal. So the
connection pool is reused from call to call, and a sync call works where ``asyncio.run`` would not: inside a
running event loop (a notebook cell) and from many threads at once. A streaming iterator crosses threads once
per page, not once per prompt.

Methods are not written twice: each resource module defines its blocking twin next to the async class, by
delegation (:mod:`gradient_evals._blocking`); a test compares the two surfaces.
"""

from __future__ import annotations

import functools
import weakref
from typing import TYPE_CHECKING, Literal

from ._blocking import blocking, blocking_settings
from ._client import AsyncGradientEvals
from ._defaults import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT
from .resources import ResourceSet
from .resources._registry import SyncResourceHost

if TYPE_CHECKING:  # the annotations are the async client's, named for type checkers only (see _client)
    from types import TracebackType

    import httpx

    from ._loop import LoopThread
    from ._ratelimit import RateLimitPolicy, RateLimitState
    from ._retry import RetryPolicy

__all__ = ["GradientEvals"]


class GradientEvals(ResourceSet, SyncResourceHost):
    """Blocking client of the Gradient AI evaluation-runs API; takes the same options as
    :class:`AsyncGradientEvals`.

    ```python
    with GradientEvals() as client:
        for prompt in client.evaluation_runs.iter_results(run_uuid):
            ...
    ```

    Callbacks the client runs (``on_update``, ``on_progress``) run on its loop thread: calling the client from
    one raises :class:`ClientStateError`, while ``close()`` from one takes effect once the call in progress
    returns. Ctrl-C during a call cancels the work on the loop and raises ``KeyboardInterrupt``. After
    ``os.fork()``, the child must make its own client: the inherited one raises :class:`ClientStateError`.
    """

    # The options repeat AsyncGradientEvals' on purpose (not **kwargs): editors and type checkers show them, and
    # tests/test_parity.py fails if the two signatures ever differ.
    def __init__(
        self,
        access_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        rate_limit: Literal["auto"] | RateLimitPolicy | None = "auto",
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_private_storage: bool = False,
    ) -> None:
        from ._loop import LoopThread, shutdown

        loop = LoopThread()
        try:
            # Made on the loop it will run on: an httpx.AsyncClient belongs to one event loop.
            client = loop.call_sync(
                functools.partial(
                    AsyncGradientEvals,
                    access_token,
                    base_url=base_url,
                    timeout=timeout,
                    max_retries=max_retries,
                    retry=retry,
                    http_client=http_client,
                    allow_insecure_http=allow_insecure_http,
                    rate_limit=rate_limit,
                    max_response_bytes=max_response_bytes,
                    allow_private_storage=allow_private_storage,
                )
            )
        except BaseException:
            loop.stop()
            raise
        self._loop = loop
        self._async = client
        self._finalizer = weakref.finalize(self, shutdown, loop, client)

    _async: AsyncGradientEvals
    _loop: LoopThread

    evaluate = blocking_settings(AsyncGradientEvals.evaluate)
    evaluate_failed = blocking(AsyncGradientEvals.evaluate_failed)
    evaluate_suites = blocking(AsyncGradientEvals.evaluate_suites)
    compare_models = blocking(AsyncGradientEvals.compare_models)

    @property
    def async_client(self) -> AsyncGradientEvals:
        """The async client this facade drives (usable only on the facade's own loop)."""
        return self._async

    @property
    def base_url(self) -> str:
        """The API root every request goes to."""
        return self._async.base_url

    @property
    def retry_policy(self) -> RetryPolicy:
        """How failed requests are retried."""
        return self._async.retry_policy

    @property
    def rate_limit(self) -> RateLimitState | None:
        """The rate limit and the pacer's doing (see :attr:`AsyncGradientEvals.rate_limit`); shared by all threads."""
        return self._async.rate_limit

    @property
    def is_closed(self) -> bool:
        """True after :meth:`close`."""
        return not self._finalizer.alive

    def close(self) -> None:
        """Close the connection pool and stop the background event loop and its thread."""
        self._finalizer()

    def __enter__(self) -> GradientEvals:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, access_token=<redacted>)"
