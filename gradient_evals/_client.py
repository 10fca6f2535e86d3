"""``AsyncGradientEvals``: configuration (token, base URL, timeouts, retries) and the resources."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final, Literal

from ._defaults import (
    DEFAULT_BASE_URL,
    DEFAULT_EVALUATE_TIMEOUT,
    DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT,
)
from ._exceptions import ArgumentTypeError, ConfigurationError
from ._settings_method import SettingsClassRef, takes_settings
from .resources import ResourceSet
from .resources._registry import AsyncResourceHost

# Named for type checkers only: importing the client class loads none of them (httpx, the transport, the models,
# the workflows); the constructor and each method import what they use. `inspect.signature(..., eval_str=True)`
# of these methods therefore needs these names given as `globals`.
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from types import TracebackType

    import httpx

    from ._ratelimit import RateLimitPolicy, RateLimitState
    from ._retry import RetryPolicy
    from .results import EvaluationProgress, EvaluationReport
    from .typing import DatasetInput, OnEvaluationProgress
    from .workflows.answer_settings import CheckInput, PricingInput
    from .workflows.evaluate_settings import EvaluationSettings
    from .workflows.model_compare import OnModelProgress
    from .workflows.model_compare_results import ModelComparison
    from .workflows.services import EvaluationServices
    from .workflows.suite_config import Suite
    from .workflows.suites import SuiteOutcome

__all__ = ["DEFAULT_TIMEOUT", "AsyncGradientEvals"]

TOKEN_ENV: Final = "DIGITALOCEAN_ACCESS_TOKEN"  # noqa: S105 - the variable's name, not a secret
BASE_URL_ENV: Final = "GRADIENT_BASE_URL"


if TYPE_CHECKING:  # the keyword arguments of `evaluate`, for type checkers
    _EVALUATION_SETTINGS = EvaluationSettings
else:
    _EVALUATION_SETTINGS = SettingsClassRef("gradient_evals.workflows.evaluate_settings", "EvaluationSettings")


class AsyncGradientEvals(ResourceSet, AsyncResourceHost):
    """Async client of the Gradient AI evaluation-runs API.

    ```python
    async with AsyncGradientEvals() as client:     # token from DIGITALOCEAN_ACCESS_TOKEN
        run = await client.evaluation_runs.retrieve(run_uuid)
    ```

    Args:
        access_token: a DigitalOcean API token with the ``genai`` scopes; defaults to the
            ``DIGITALOCEAN_ACCESS_TOKEN`` environment variable. Required: without one the client refuses to start.
        base_url: the API's root; defaults to ``GRADIENT_BASE_URL`` or ``https://api.digitalocean.com``.
            Plain ``http://`` is refused except to loopback unless ``allow_insecure_http=True``.
        timeout: seconds allowed per attempt (or an ``httpx.Timeout``, whose longest part is then the limit of
            the whole attempt); every method also takes ``timeout=``. The limit covers connecting, sending and
            reading the whole body, so a server that drips bytes cannot hold a call open.
        max_retries: retries after a failed attempt (shorthand for ``retry=RetryPolicy(max_retries=...)``).
        retry: the full retry policy (backoff, cap on server-requested waits); ``max_retries`` overrides its
            count when both are given.
        http_client: your own ``httpx.AsyncClient`` (proxies, custom TLS); you keep ownership and close it.
            Without one, the SDK's client uses a proxy from the environment (``HTTPS_PROXY``...) only for an
            ``https`` base URL on a remote host, never for plain HTTP or loopback.
        allow_insecure_http: permit a plain-HTTP base URL on a non-loopback host.
        rate_limit: ``"auto"`` (the default) paces requests by the rate-limit headers so that they are spread out
            rather than refused when the budget runs low; a :class:`RateLimitPolicy` sets the reserve, the
            longest hold and an own ceiling; ``None`` turns pacing off. Every request of the client (and
            every thread of a blocking client) shares one budget; other processes on the same token do not.
        max_response_bytes: the most one response body may take once decompressed (default 32 MiB); a larger
            one raises :class:`ResponseTooLargeError` as soon as it passes the limit.
        allow_private_storage: let presigned URLs (dataset uploads and downloads) lead to private-network
            addresses, for an object store on your own network. Link-local and cloud metadata addresses stay
            refused whatever this says; see "Where dataset files may go" in the README.
    """

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
        import httpx

        from ._ratelimit import rate_limit_policy
        from ._retry import retry_policy
        from ._storage import StorageClient
        from ._token import check_access_token
        from ._transport import Transport
        from ._validation import check_positive_int, check_timeout

        token = check_access_token(access_token if access_token is not None else os.environ.get(TOKEN_ENV), TOKEN_ENV)
        timeout = check_timeout(timeout)
        max_response_bytes = check_positive_int(max_response_bytes, "max_response_bytes")
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            # A blocking httpx.Client would only fail at the first request, with an error about awaiting.
            raise ArgumentTypeError(f"http_client must be an httpx.AsyncClient, got {type(http_client).__name__}")
        if base_url is not None and not isinstance(base_url, str | httpx.URL):
            raise ArgumentTypeError(f"base_url must be a string, got {type(base_url).__name__}")
        policy = retry_policy(retry, max_retries)
        pacing = rate_limit_policy(rate_limit)
        resolved_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        try:
            self._transport = Transport(
                access_token=token,
                base_url=resolved_url,
                timeout=timeout,
                retry=policy,
                http_client=http_client,
                allow_insecure_http=allow_insecure_http,
                rate_limit=pacing,
                max_response_bytes=max_response_bytes,
            )
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        # Presigned storage URLs get a client of their own that has never held the token.
        if not isinstance(allow_private_storage, bool):
            raise ArgumentTypeError(f"allow_private_storage must be a bool, got {type(allow_private_storage).__name__}")
        self._storage = StorageClient(
            timeout=timeout, allow_insecure_http=allow_insecure_http, allow_private_storage=allow_private_storage
        )

    @property
    def base_url(self) -> str:
        """The API root every request goes to."""
        return str(self._transport.base_url)

    @property
    def retry_policy(self) -> RetryPolicy:
        """How failed requests are retried."""
        return self._transport.retry

    @property
    def rate_limit(self) -> RateLimitState | None:
        """The rate limit as the last response told it, and what the pacer is doing about it.

        ``limit``, ``remaining`` and ``reset`` are the ``ratelimit-*`` headers; ``holding`` says how long the
        pacer is holding requests, ``spacing`` how far apart it sends background ones. ``str()`` of it explains
        in one line. ``None`` until a response has carried the headers.
        """
        return self._transport.pacer.state()

    @property
    def is_closed(self) -> bool:
        """True after :meth:`aclose`."""
        return self._transport.closed

    @takes_settings(_EVALUATION_SETTINGS)
    async def evaluate(self, settings: EvaluationSettings) -> EvaluationReport:
        """Run a dataset against agents with metrics, compare each run with its baseline, gate, and report.

        ```python
        report = await client.evaluate(
            dataset="evals/support.csv", test_case="support-bot", metrics=["correctness", "tone"],
            star_metric="correctness", star_threshold_pct=80, agent_uuids=[agent_a, agent_b],
            fail_under={"correctness": 75}, max_regression={"correctness": 3}, slice_by="topic",
        )
        report.passed, report.leaderboard, render_junit(report)  # from gradient_evals.reports.junit
        ```

        Takes the settings as keyword arguments, or as one :class:`~gradient_evals.EvaluationSettings` value
        (``client.evaluate(settings)``); the keyword arguments are that class's fields, documented there:

        - ``dataset``: a CSV path, a ``pandas.DataFrame`` or row mappings (uploaded, unless a dataset with the
          same content hash, recorded in its name, exists: then that one is reused), or a dataset UUID.
        - ``test_case``: a name (the test case of that exact name, updated to this dataset, ``metrics`` and
          ``star_metric`` when they differ, which makes a new version; created when there is none) or a UUID.
        - ``metrics``, ``star_metric``: names, UUIDs or catalog models (``star_metric`` may be a ``StarMetric``;
          ``star_threshold_pct`` is the threshold for a star metric given by name).
        - ``agent_uuids`` / ``agents`` / ``agent_deployment_names``: one run each, created in one request.
          ``agents`` takes names or UUIDs: a name is looked up through :attr:`agents` (one that matches no agent
          or several raises ``AgentNameError`` listing the candidates, before anything is created).
        - Gates: ``fail_under={"correctness": 75}`` (a score floor; a ceiling for a metric that is better when
          lower), ``max_regression={"correctness": 3}`` (points a score may worsen by against the baseline, in
          every slice too), ``require_complete`` (a PARTIALLY_SUCCESSFUL run, or a metric that errored or was
          skipped on any prompt, fails). ``pass_thresholds`` decide when a prompt passes a numeric metric (default:
          its ``fail_under`` value); a prompt that failed is a failing test in the JUnit report.
        - ``baseline``: ``"latest"`` (each agent's latest SUCCESSFUL or PARTIALLY_SUCCESSFUL run of the same
          test case version; any version with ``baseline_any_version``), a run UUID, a mapping of agent UUID or
          deployment name to run UUID, or ``None``.
        - ``slice_by``: a column of the dataset kept on this side (not uploaded) and joined back to the results by
          prompt input text: the report has per-slice scores, and a slice that regressed fails the gate.
        - ``require_baseline``: a ``max_regression`` gate without a baseline fails (by default it is reported
          as not applied, with the reason).
        - ``timeout``: the overall deadline of the whole call in seconds. Every run is waited for concurrently; a
          run still going at the deadline is reported as timed out (``report.run_failed``), not raised.
        - ``checks`` (from :mod:`gradient_evals.checks`, or functions of the prompt), ``pricing``, ``max_cost``,
          ``max_output_tokens_increase_pct``: checks on the answers, tokens and cost (docs: "Checks, tokens and cost").
        - ``on_progress(EvaluationProgress)``: each step (upload, test case, each run's status changes, each page
          of results); a plain function or a coroutine function.

        A keyword that is no setting raises :class:`~gradient_evals.UnknownSettingError` (a ``TypeError``) naming
        the nearest one. Arguments are checked, and metric names resolved through the catalog, before anything is
        created. Returns an :class:`~gradient_evals.results.EvaluationReport`: ``report.passed`` is ``False`` when
        a gate failed or a run FAILED, was CANCELLED or timed out (``report.run_failed``).
        """
        from .workflows.evaluate import evaluate

        return await evaluate(self._evaluation_services(), settings)

    async def evaluate_failed(
        self,
        report_or_run_uuid: EvaluationReport | str,
        *,
        test_case: str | None = None,
        run_name: str | None = None,
        fail_under: Mapping[str, float] | None = None,
        max_regression: Mapping[str, float] | None = None,
        pass_thresholds: Mapping[str, float] | None = None,
        timeout: float = DEFAULT_EVALUATE_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = DEFAULT_MAX_POLL_INTERVAL,
        on_progress: OnEvaluationProgress | None = None,
        checks: Sequence[CheckInput] | None = None,
    ) -> EvaluationReport:
        """Run again the prompts that failed a gate or errored, and merge the new results over the old.

        The API cannot rerun single prompts, so a dataset of those prompts is uploaded (or reused) and run
        under the test case ``test_case`` (default: ``"<original name> (rerun)"``, created or updated, so the
        original test case keeps its version) for the same agents. Each agent's new results replace the earlier
        ones prompt by prompt (matched by input text); the merged results are compared with the same baselines
        and gated again (the report's gates unless given). Takes a report of :meth:`evaluate`, or the UUID of one
        finished run (then ``fail_under``/``pass_thresholds`` say which prompts failed).
        With nothing to rerun, returns the report with a note saying so (``report.notes``). A report that ran
        checks on the answers needs them again as ``checks=`` (a report holds their names, not the checks): the
        merged results are checked anew, and its price table and cost and token gates are kept.
        """
        from .workflows.rerun import evaluate_failed

        return await evaluate_failed(
            self._evaluation_services(),
            report_or_run_uuid,
            test_case=test_case,
            run_name=run_name,
            fail_under=fail_under,
            max_regression=max_regression,
            pass_thresholds=pass_thresholds,
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            on_progress=on_progress,
            checks=checks,
        )

    async def evaluate_suites(
        self,
        suites: Sequence[Suite],
        *,
        on_progress: Callable[[str, EvaluationProgress], object] | None = None,
        checks: Sequence[CheckInput] | None = None,
        pricing: PricingInput | None = None,
    ) -> list[SuiteOutcome]:
        """Evaluate the suites of a configuration (``gradient-evals.toml``) concurrently, one outcome each.

        ```python
        from gradient_evals.workflows.suite_config import load_config

        outcomes = await client.evaluate_suites(load_config("gradient-evals.toml").suites)
        ```

        Every agent named in any suite is resolved (names through :attr:`agents`) and every metric checked
        against the catalog, and every suite's settings go through ``evaluate``'s own checks (creating nothing),
        before any suite starts: a bad name is a ``ConfigError`` naming the file, the suite
        and the key, and nothing is created. A suite that then fails does not stop the others; its outcome
        carries the error. ``on_progress(suite_name, event)`` receives each suite's progress. ``checks``,
        ``pricing``: run in every suite after its own checks; the prices of suites without ``[pricing]``."""
        from .workflows.suites import SuiteServices, run_suites

        async def resolve(names: Sequence[str]) -> dict[str, str]:
            return dict(zip(names, await self.agents.resolve_all(list(names)), strict=True))

        async def check(settings: EvaluationSettings) -> None:
            from .workflows.evaluate import check_evaluation

            await check_evaluation(self._evaluation_services(), settings)

        services = SuiteServices(
            evaluate=self.evaluate,
            resolve_agents=resolve,
            catalog=self.evaluation_metrics.catalog,
            check=check,
        )
        return await run_suites(suites, services, on_progress=on_progress, checks=checks, pricing=pricing)

    async def compare_models(
        self,
        *,
        dataset: DatasetInput,
        candidates: Sequence[str],
        judge: str,
        metrics: Sequence[str],
        max_regression: float = 0.0,
        timeout: float = 3600.0,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        on_progress: OnModelProgress | None = None,
    ) -> ModelComparison:
        """Evaluate candidate models on one dataset with one judge and the same metrics, and compare them.

        ``dataset`` is a dataset UUID, or a CSV path, DataFrame or rows uploaded first; ``candidates`` two or more
        distinct models (UUIDs or slugs), the first the reference; ``judge`` the judge model's UUID; ``metrics``
        names or UUIDs of :attr:`model_evaluation_metrics`. One run per candidate is created, all are waited for
        together (``on_progress(model, run)`` on each change), their per-row results read, rows paired by input,
        and each metric of each other candidate compared with the reference: its interval of the difference, p
        and outcome against ``max_regression`` (:mod:`gradient_evals.statistics`). Fewer than 2 candidates, one
        twice, a judge that is not a UUID or an unknown metric raise before anything is uploaded or created.
        """
        from .workflows.model_compare import compare_models

        return await compare_models(
            self.model_evaluation_runs,
            self.model_evaluation_metrics,
            self.model_evaluation_datasets,
            dataset=dataset,
            candidates=candidates,
            judge=judge,
            metrics=metrics,
            max_regression=max_regression,
            timeout=timeout,
            poll_interval=poll_interval,
            on_progress=on_progress,
        )

    def _evaluation_services(self) -> EvaluationServices:
        from .workflows.services import EvaluationServices

        return EvaluationServices(
            metrics=self.evaluation_metrics,
            datasets=self.evaluation_datasets,
            test_cases=self.evaluation_test_cases,
            runs=self.evaluation_runs,
            agents=self.agents,
            versions=self.agents,
        )

    async def aclose(self) -> None:
        """Close the connection pool (not a pool you passed in as ``http_client``)."""
        await self._transport.aclose()
        await self._storage.aclose()

    async def __aenter__(self) -> AsyncGradientEvals:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, access_token=<redacted>)"
