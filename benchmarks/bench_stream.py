"""Stream every result of a 5,000-prompt run, 100 a page, 20 ms added latency per request: wall time.

Contenders, each timed from making its client to the last prompt handed out, in two settings: a consumer that
only counts prompts, and one that spends 2 ms of CPU on each page (the overlap of fetching with the caller's own
work shows there):

- raw httpx (the floor): one ``httpx.AsyncClient``, page 1, then a free-running window of the SDK's default
  prefetch (a new request starts as soon as the caller takes a page), decoding only (with the decoder the SDK
  uses in this process: msgspec with the ``speed`` extra, ``json.loads`` under ``GRADIENT_EVALS_JSON=stdlib``),
  pages handed out in order;
- this SDK: the scoped ``stream_results`` (async with), plain ``async for`` over ``iter_results``, and the
  blocking ``for`` over ``iter_results`` of the sync facade, all with the default prefetch; and once more the
  scoped stream with a consumer that reads every prompt's metric results (which are converted on first read);
- ``pydo`` and ``gradient``, paging by hand sequentially as their docs show (neither auto-paginates this
  endpoint).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from _harness import (
    Emulator,
    Series,
    arguments,
    emit,
    emulator,
    paired,
    raw_tls,
    run_rounds,
    series_data,
    table,
    timed,
    verdict,
)
from _harness import verdict_table as verdicts
from _targets import BLOCKING, FLOOR, GRADIENT_LOOP, PLAIN, PYDO_LOOP, STREAM, STREAMING, WORK

from gradient_evals import AsyncGradientEvals, GradientEvals
from gradient_evals._json import DECODER
from gradient_evals._json import loads as decode
from gradient_evals._pagination import DEFAULT_PREFETCH

PROMPTS = 5_000
PER_PAGE = 100
LATENCY = 0.020
WORK_SECONDS = 0.002
RESULTS = "/v2/gen-ai/evaluation_runs/{}/results"


def spend(seconds: float) -> None:
    """The caller's own work on a page: CPU, holding the GIL, as parsing or scoring would."""
    if seconds:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass


def raw_httpx(emu: Emulator, run: str, work: float = 0.0, window: int = DEFAULT_PREFETCH) -> int:
    async def main() -> int:
        url = emu.base_url + RESULTS.format(run)
        headers = {"Authorization": f"Bearer {emu.token}", "Accept": "application/json"}
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
        async with httpx.AsyncClient(headers=headers, limits=limits, verify=raw_tls()) as client:

            async def page(number: int) -> dict[str, object]:
                response = await client.get(url, params={"page": number, "per_page": PER_PAGE})
                response.raise_for_status()
                return decode(response.content)  # type: ignore[no-any-return]

            first = await page(1)
            total_pages = first["meta"]["pages"]  # type: ignore[index]
            numbers = range(2, total_pages + 1)
            ready = {n: asyncio.Event() for n in numbers}
            bodies: dict[int, dict[str, object]] = {}
            permits = asyncio.Semaphore(window)

            async def fetch(n: int) -> None:
                bodies[n] = await page(n)
                ready[n].set()

            async def ahead(group: asyncio.TaskGroup) -> None:
                for n in numbers:
                    await permits.acquire()
                    group.create_task(fetch(n))

            async with asyncio.TaskGroup() as group:
                group.create_task(ahead(group))
                count = len(first["prompts"])  # type: ignore[arg-type]
                spend(work)
                for n in numbers:
                    await ready[n].wait()
                    body = bodies.pop(n)
                    permits.release()
                    count += len(body["prompts"])  # type: ignore[arg-type]
                    spend(work)
            return count

    return asyncio.run(main())


def sdk_stream(emu: Emulator, run: str, work: float = 0.0) -> int:
    async def main() -> int:
        count = 0
        async with (
            AsyncGradientEvals(emu.token, base_url=emu.base_url) as client,
            client.evaluation_runs.stream_results(run, per_page=PER_PAGE) as stream,
        ):
            async for page in stream.pages():
                count += len(page.prompts)
                spend(work)
        return count

    return asyncio.run(main())


def sdk_stream_scores(emu: Emulator, run: str) -> int:
    async def main() -> int:
        count = scores = 0
        async with (
            AsyncGradientEvals(emu.token, base_url=emu.base_url) as client,
            client.evaluation_runs.stream_results(run, per_page=PER_PAGE) as stream,
        ):
            async for page in stream.pages():
                count += len(page.prompts)
                scores += sum(len(prompt.metrics) for prompt in page.prompts)
        if not scores:
            raise AssertionError("the emulator's prompts carry no metric results")
        return count

    return asyncio.run(main())


def sdk_async(emu: Emulator, run: str, work: float = 0.0) -> int:
    async def main() -> int:
        count = 0
        async with AsyncGradientEvals(emu.token, base_url=emu.base_url) as client:
            async for page in client.evaluation_runs.iter_results(run, per_page=PER_PAGE).pages():
                count += len(page.prompts)
                spend(work)
        return count

    return asyncio.run(main())


def sdk_sync(emu: Emulator, run: str, work: float = 0.0) -> int:
    count = 0
    with GradientEvals(emu.token, base_url=emu.base_url) as client:
        for page in client.evaluation_runs.iter_results(run, per_page=PER_PAGE).pages():
            count += len(page.prompts)
            spend(work)
    return count


def pydo_loop(emu: Emulator, run: str) -> int:
    import pydo

    client = pydo.Client(emu.token, endpoint=emu.base_url)
    count, page = 0, 1
    while True:
        # azure-core refuses a bearer token over plain http unless told this is deliberate.
        body = client.genai.get_evaluation_run_results(run, page=page, per_page=PER_PAGE, enforce_https=False)
        for _prompt in body.get("prompts") or []:
            count += 1
        if not (body.get("links") or {}).get("pages", {}).get("next"):
            break
        page += 1
    client.close()
    return count


def gradient_loop(emu: Emulator, run: str) -> int:
    import gradient

    count, page = 0, 1
    with gradient.Gradient(access_token=emu.token, base_url=emu.base_url) as client:
        while True:
            result = client.agents.evaluation_runs.list_results(run, page=page, per_page=PER_PAGE)
            for _prompt in result.prompts or []:
                count += 1
            if result.links is None or result.links.pages is None or not result.links.pages.next:
                break
            page += 1
    return count


def checked(func: Callable[[], int]) -> Callable[[], float]:
    def measure() -> float:
        counts: list[int] = []
        seconds = timed(lambda: counts.append(func()))
        if counts != [PROMPTS]:
            raise AssertionError(f"expected {PROMPTS} prompts, got {counts}")
        return seconds

    return measure


def available(module: str) -> str | None:
    try:
        __import__(module)
    except ImportError:
        return f"`{module}` is not installed"
    return None


SCORES = "gradient_evals stream_results, reading every prompt's metrics"
LOOPS = (PYDO_LOOP, GRADIENT_LOOP)


def main() -> None:
    args = arguments(__doc__.splitlines()[0], rounds=7)
    with emulator(prompts=[PROMPTS], latency=LATENCY) as emu:
        run = emu.runs[PROMPTS]
        contenders: list[tuple[str, Callable[[], float]]] = []
        for suffix, work in (("", 0.0), (WORK, WORK_SECONDS)):
            contenders += [
                (FLOOR + suffix, checked(lambda work=work: raw_httpx(emu, run, work))),  # type: ignore[misc]
                (STREAM + suffix, checked(lambda work=work: sdk_stream(emu, run, work))),  # type: ignore[misc]
                (PLAIN + suffix, checked(lambda work=work: sdk_async(emu, run, work))),  # type: ignore[misc]
                (BLOCKING + suffix, checked(lambda work=work: sdk_sync(emu, run, work))),  # type: ignore[misc]
            ]
        contenders.append((SCORES, checked(lambda: sdk_stream_scores(emu, run))))
        missing: dict[str, str] = {}
        for name, module, func in ((LOOPS[0], "pydo", pydo_loop), (LOOPS[1], "gradient", gradient_loop)):
            reason = available(module)
            if reason is None:
                contenders.append((name, checked(lambda func=func: func(emu, run))))  # type: ignore[misc]
            else:
                missing[name] = reason
        series = run_rounds(contenders, rounds=args.rounds)
    ordered: list[Series] = list(series.values()) + [Series(name, skipped=why) for name, why in missing.items()]
    floor = series[FLOOR]

    def check(label: str, a: Series, b: Series, target: str, limit: float) -> str:
        ratio = a.median / b.median
        return verdict(label, ratio, target, ratio <= limit, paired(a, b))

    # Every target of _targets.py this run can judge, each printed with its figure; then two figures for
    # information: the plain loop with a working consumer (it fetches nothing while the body works), and the
    # scoped stream when every prompt's metrics are read (converted on first read).
    checks = [
        check(t.label, series[t.numerator], series[t.denominator], t.shown, t.limit)
        for t in STREAMING
        if t.numerator in series and t.denominator in series
    ]
    checks.append(
        check(
            "blocking `for` / floor, 2 ms of work a page", series[BLOCKING + WORK], series[FLOOR + WORK], "(info)", 99
        )
    )
    checks.append(
        check(
            "`iter_results` / floor, 2 ms of work a page (no overlap)",
            series[PLAIN + WORK],
            series[FLOOR + WORK],
            "(info)",
            99,
        )
    )
    checks.append(check("stream_results reading every prompt's metrics / floor", series[SCORES], floor, "(info)", 99))
    markdown = (
        f"Decoder: `{DECODER}` (the floor decodes with it too). "
        f"{PROMPTS:,} prompts, {PER_PAGE} a page ({PROMPTS // PER_PAGE} requests), {LATENCY * 1000:.0f} ms added "
        f"latency per request; {args.rounds} rounds after one warm-up round, contenders in the same order each "
        'round. Wall time from creating the client to the last prompt; "+ 2 ms/page" rows spend 2 ms of CPU on '
        "each page in the loop body.\n\n" + table(ordered, baseline=floor.name) + "\n\n" + verdicts(checks)
    )
    emit(args, f"Streaming 5,000 prompts (wall time), decoder {DECODER}", markdown, series_data(ordered))


if __name__ == "__main__":
    main()
