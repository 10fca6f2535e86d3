from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from gradient_evals.testing import FakeGradientServer

SIZES = (0, 1, 199, 200, 201, 1000)
PER_PAGES = (1, 7, 20, 100, 200, 250)


@pytest.fixture(scope="module")
def paging() -> Iterator[tuple[FakeGradientServer, httpx.Client, dict[int, str]]]:
    with FakeGradientServer(seed=3) as srv:
        runs = {n: srv.add_run(prompts=n) for n in SIZES}
        with httpx.Client(headers={"Authorization": f"Bearer {srv.token}"}, timeout=10) as client:
            yield srv, client, runs


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.mark.parametrize("per_page", PER_PAGES)
@pytest.mark.parametrize("size", SIZES)
def test_following_next_visits_every_prompt_once(
    paging: tuple[FakeGradientServer, httpx.Client, dict[int, str]], size: int, per_page: int
) -> None:
    srv, client, runs = paging
    run = runs[size]
    effective = min(per_page, 200)
    expected_pages = math.ceil(size / effective)
    base = srv.url_for(f"/v2/gen-ai/evaluation_runs/{run}/results")

    url: str | None = f"{base}?page=1&per_page={per_page}"
    seen: list[int] = []
    visited_pages: list[int] = []
    while url is not None:
        resp = client.get(url)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        meta, links = body["meta"], body["links"]["pages"]
        page = meta["page"]
        visited_pages.append(page)
        assert meta["total"] == size
        assert meta["pages"] == expected_pages
        assert body["evaluation_run"]["evaluation_run_uuid"] == run
        prompts = body["prompts"]
        assert len(prompts) == (min(effective, size - (page - 1) * effective) if size else 0)
        seen.extend(p["prompt_id"] for p in prompts)
        for name, link in links.items():
            assert link.startswith(base + "?"), (name, link)
            assert _query(link)["per_page"] == str(effective)
        assert _query(links["first"])["page"] == "1"
        assert _query(links["last"])["page"] == str(max(expected_pages, 1))
        if page == 1:
            assert "previous" not in links
        else:
            assert _query(links["previous"])["page"] == str(page - 1)
        if page >= expected_pages:
            assert "next" not in links
        else:
            assert _query(links["next"])["page"] == str(page + 1)
        url = links.get("next")
        assert len(visited_pages) <= max(expected_pages, 1)

    assert visited_pages == list(range(1, max(expected_pages, 1) + 1))
    assert len(seen) == len(set(seen)) == size
    assert seen == srv.prompt_ids(run)


def test_default_per_page_is_20(paging: tuple[FakeGradientServer, httpx.Client, dict[int, str]]) -> None:
    srv, client, runs = paging
    body = client.get(srv.url_for(f"/v2/gen-ai/evaluation_runs/{runs[201]}/results")).json()
    assert len(body["prompts"]) == 20
    assert body["meta"] == {"page": 1, "pages": 11, "total": 201}
    assert _query(body["links"]["pages"]["next"]) == {"page": "2", "per_page": "20"}


def test_per_page_cap_is_configurable() -> None:
    with FakeGradientServer(per_page_max=50) as srv:
        run = srv.add_run(prompts=120)
        resp = httpx.get(
            srv.url_for(f"/v2/gen-ai/evaluation_runs/{run}/results"),
            params={"per_page": 200},
            headers={"Authorization": f"Bearer {srv.token}"},
        )
        body = resp.json()
        assert len(body["prompts"]) == 50
        assert body["meta"]["pages"] == 3
        assert _query(body["links"]["pages"]["last"]) == {"page": "3", "per_page": "50"}


@pytest.mark.parametrize("page", [2, 3, 50, 10**12])
def test_pages_past_the_end_are_empty(
    paging: tuple[FakeGradientServer, httpx.Client, dict[int, str]], page: int
) -> None:
    srv, client, runs = paging
    resp = client.get(
        srv.url_for(f"/v2/gen-ai/evaluation_runs/{runs[1]}/results"), params={"page": page, "per_page": 7}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["prompts"] == []
    assert body["meta"] == {"page": page, "pages": 1, "total": 1}
    links = body["links"]["pages"]
    assert "next" not in links
    assert _query(links["previous"])["page"] == "1"


def test_empty_run_has_zero_pages(paging: tuple[FakeGradientServer, httpx.Client, dict[int, str]]) -> None:
    srv, client, runs = paging
    body = client.get(srv.url_for(f"/v2/gen-ai/evaluation_runs/{runs[0]}/results")).json()
    assert body["prompts"] == []
    assert body["meta"] == {"page": 1, "pages": 0, "total": 0}
    links = body["links"]["pages"]
    assert set(links) == {"first", "last"}
    assert links["first"] == links["last"]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"page": "-1"},
        {"page": "abc"},
        {"page": ""},
        {"page": "1.5"},
        {"per_page": "0"},
        {"per_page": "-20"},
        {"per_page": "1e3"},
        {"per_page": " 5"},
        {"page": "9" * 40},
    ],
)
def test_invalid_paging_parameters_are_400(
    paging: tuple[FakeGradientServer, httpx.Client, dict[int, str]], params: dict[str, str]
) -> None:
    srv, client, runs = paging
    resp = client.get(srv.url_for(f"/v2/gen-ai/evaluation_runs/{runs[1]}/results"), params=params)
    assert resp.status_code == 400
    body = resp.json()
    assert body["id"] == "bad_request"
    assert body["request_id"] == resp.headers["x-request-id"]


def test_prompt_detail_matches_page_entries(
    paging: tuple[FakeGradientServer, httpx.Client, dict[int, str]],
) -> None:
    srv, client, runs = paging
    run = runs[199]
    page: list[dict[str, Any]] = client.get(
        srv.url_for(f"/v2/gen-ai/evaluation_runs/{run}/results"), params={"page": 3, "per_page": 7}
    ).json()["prompts"]
    for prompt in page:
        detail = client.get(srv.url_for(f"/v2/gen-ai/evaluation_runs/{run}/results/{prompt['prompt_id']}"))
        assert detail.status_code == 200
        assert detail.json() == {"prompt": prompt}
        assert srv.prompt_json(run, prompt["prompt_id"]) == prompt


def test_prompt_detail_errors(paging: tuple[FakeGradientServer, httpx.Client, dict[int, str]]) -> None:
    srv, client, runs = paging
    run = runs[200]
    ids = srv.prompt_ids(run)
    for bad in (ids[0] - 1, ids[-1] + 1, 0, -5):
        resp = client.get(srv.url_for(f"/v2/gen-ai/evaluation_runs/{run}/results/{bad}"))
        assert resp.status_code == 404, bad
        assert resp.json()["id"] == "not_found"
    for bad_id in ("abc", "1.0", "1e2", "%20"):
        resp = client.get(srv.url_for(f"/v2/gen-ai/evaluation_runs/{run}/results/{bad_id}"))
        assert resp.status_code == 400, bad_id
        assert resp.json()["id"] == "bad_request"
    resp = client.get(srv.url_for(f"/v2/gen-ai/evaluation_runs/not-a-run/results/{ids[0]}"))
    assert resp.status_code == 404


def test_runs_of_the_same_test_case_share_prompt_ids_and_rows() -> None:
    with FakeGradientServer(seed=11) as srv:
        tc = srv.add_test_case(prompts=30)
        a = srv.add_run(test_case_uuid=tc)
        b = srv.add_run(test_case_uuid=tc, status="EVALUATION_RUN_PARTIALLY_SUCCESSFUL")
        other = srv.add_run(prompts=30)
        assert srv.prompt_ids(a) == srv.prompt_ids(b)
        assert srv.prompt_ids(a) != srv.prompt_ids(other)
        assert srv.prompt_ids(a) != list(range(1, 31))  # ids are not row numbers
        outputs_differ = 0
        for pid in srv.prompt_ids(a):
            pa, pb = srv.prompt_json(a, pid), srv.prompt_json(b, pid)
            assert (pa["input"], pa["ground_truth"]) == (pb["input"], pb["ground_truth"])
            outputs_differ += pa["prompt_level_metric_results"] != pb["prompt_level_metric_results"]
        assert outputs_differ > 0


def test_large_run_is_generated_lazily() -> None:
    with FakeGradientServer(seed=5) as srv:
        run = srv.add_run(prompts=50_000)
        resp = httpx.get(
            srv.url_for(f"/v2/gen-ai/evaluation_runs/{run}/results"),
            params={"page": 250, "per_page": 200},
            headers={"Authorization": f"Bearer {srv.token}"},
        )
        body = resp.json()
        assert body["meta"] == {"page": 250, "pages": 250, "total": 50_000}
        assert len(body["prompts"]) == 200
        assert body["prompts"][-1]["prompt_id"] == srv.prompt_ids(run)[-1]
        assert "next" not in body["links"]["pages"]
