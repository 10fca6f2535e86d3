"""``client.evaluation_metrics``: the metric catalog, and turning the names users know into metric UUIDs.

Users know metrics by name ("Correctness"), the API by UUID. Every method that takes metrics accepts an
:class:`EvaluationMetric`, a UUID or a name; names are looked up in the catalog (one ``list()`` request, kept for
the client's life and refreshed by ``list()`` or ``catalog(refresh=True)``), ignoring case and treating
spaces, underscores and hyphens alike. A name that matches no metric, or more than one, is a ``ValueError``
naming the close matches, raised before the request that needed it is sent.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .._exceptions import ArgumentTypeError, InvalidArgumentError
from .._validation import check_uuid
from ..types import EvaluationMetric, EvaluationMetricsList
from ..typing import Timeout
from ..workflows._names import looks_like_uuid
from ..workflows.metric_names import MetricRef, match_metric, metric_name_key
from ._base import AsyncResource, SyncResource, blocking

if TYPE_CHECKING:
    from typing import Self

    from .._storage import StorageClient
    from .._transport import Transport
    from ._registry import AsyncResourceHost

__all__ = [
    "AsyncEvaluationMetrics",
    "CatalogUser",
    "EvaluationMetrics",
    "MetricRef",
    "looks_like_uuid",
    "match_metric",
    "metric_name_key",
]

_METRICS = "/v2/gen-ai/evaluation_metrics"


class AsyncEvaluationMetrics(AsyncResource):
    """The evaluation metric catalog: ``list``, ``catalog``, ``resolve``."""

    def __init__(self, transport: Transport, storage: StorageClient | None = None) -> None:
        super().__init__(transport, storage)
        # One catalog per client: the metrics a name may mean do not change between two calls of a session,
        # and custom metrics created through this client refresh it.
        self._catalog: tuple[EvaluationMetric, ...] | None = None

    async def list(self, *, timeout: Timeout = None) -> tuple[EvaluationMetric, ...]:
        """Every metric available to evaluations, built in and custom (the API answers in one response).

        Also refreshes the catalog that metric names are resolved with.
        """
        listing = await self._get(_METRICS, EvaluationMetricsList, timeout=timeout)
        self._catalog = listing.metrics
        return listing.metrics

    async def catalog(self, *, refresh: bool = False, timeout: Timeout = None) -> tuple[EvaluationMetric, ...]:
        """The metric catalog, fetched with :meth:`list` on first use (or when ``refresh``) and kept."""
        if self._catalog is None or refresh:
            return await self.list(timeout=timeout)
        return self._catalog

    async def resolve(self, metric: MetricRef, *, timeout: Timeout = None) -> str:
        """The UUID of a metric given as a model, a UUID or a name.

        A UUID is taken as it is (the API says whether it exists); a name is looked up in the catalog,
        ignoring case. Raises ``ValueError`` for an unknown or ambiguous name, listing the close matches.
        """
        return (await self.resolve_all([metric], argument="metric", timeout=timeout))[0]

    async def resolve_all(
        self, metrics: Iterable[MetricRef], *, argument: str = "metrics", timeout: Timeout = None
    ) -> builtins.list[str]:
        """The UUIDs of several metrics (see :meth:`resolve`); the catalog is fetched at most once."""
        if isinstance(metrics, str | bytes | EvaluationMetric) or not isinstance(metrics, Iterable):
            raise ArgumentTypeError(f"{argument} must be a list of metric names, UUIDs or EvaluationMetric objects")
        refs = list(metrics)
        resolved: list[str | None] = []
        for i, ref in enumerate(refs):
            where = f"{argument}[{i}]"
            if isinstance(ref, EvaluationMetric):
                if ref.metric_uuid is None:
                    raise InvalidArgumentError(f"{where}: this EvaluationMetric has no metric_uuid")
                resolved.append(check_uuid(ref.metric_uuid, where))
            elif isinstance(ref, uuid.UUID) or (isinstance(ref, str) and looks_like_uuid(ref)):
                resolved.append(check_uuid(ref, where))
            elif isinstance(ref, str):
                if not ref.strip():
                    raise InvalidArgumentError(f"{where}: a metric name must not be empty")
                resolved.append(None)
            else:
                raise ArgumentTypeError(
                    f"{where} must be a metric name, UUID or EvaluationMetric, got {type(ref).__name__}"
                )
        if all(r is not None for r in resolved):
            return [r for r in resolved if r is not None]
        catalog = await self.catalog(timeout=timeout)
        out: list[str] = []
        for i, (ref, known) in enumerate(zip(refs, resolved, strict=True)):
            if known is not None:
                out.append(known)
                continue
            metric = match_metric(catalog, str(ref), f"{argument}[{i}]")
            if metric.metric_uuid is None:
                raise InvalidArgumentError(f"{argument}[{i}]: the catalog's metric {metric.metric_name!r} has no UUID")
            out.append(metric.metric_uuid)
        return out

    def invalidate(self) -> None:
        """Forget the cached catalog; the next name lookup fetches it again."""
        self._catalog = None

    def cached(self) -> tuple[EvaluationMetric, ...] | None:
        """The catalog as last fetched, without a request (``None`` before the first fetch)."""
        return self._catalog


class EvaluationMetrics(SyncResource[AsyncEvaluationMetrics]):
    """The evaluation metric catalog, blocking: the same methods as :class:`AsyncEvaluationMetrics`."""

    list = blocking(AsyncEvaluationMetrics.list)
    catalog = blocking(AsyncEvaluationMetrics.catalog)
    resolve = blocking(AsyncEvaluationMetrics.resolve)
    resolve_all = blocking(AsyncEvaluationMetrics.resolve_all)

    def invalidate(self) -> None:
        """Forget the cached catalog; the next name lookup fetches it again."""
        self._async.invalidate()

    def cached(self) -> tuple[EvaluationMetric, ...] | None:
        """The catalog as last fetched, without a request (``None`` before the first fetch)."""
        return self._async.cached()


class CatalogUser(AsyncResource):
    """Base of the resources that take metrics by name: they share the client's one catalog."""

    def __init__(self, transport: Transport, metrics: AsyncEvaluationMetrics) -> None:
        super().__init__(transport)
        self._metrics = metrics

    @classmethod
    def for_client(cls, client: AsyncResourceHost) -> Self:
        """The resource of ``client``, sharing its metric catalog (the client's ``evaluation_metrics``)."""
        # Every client is a ResourceSet; the host type names only what all resources need.
        shared = getattr(client, "evaluation_metrics")  # noqa: B009
        if not isinstance(shared, AsyncEvaluationMetrics):
            raise ArgumentTypeError(f"{type(client).__name__} has no metric catalog")
        return cls(client._transport, shared)
