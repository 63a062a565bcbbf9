"""The politeness gate (``probes/net/gate.py``) in-process: the slots the browser and httpx
share, the slot a link check holds, slots given back, and the work loop limited per host."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest

from probes.net.gate import HostGate, gather_per_host
from tests.support.sandbox_client import run_async


def test_the_browser_and_httpx_share_the_slots_of_one_gate() -> None:
    """A slot taken for a page's request is not free for an httpx request to the same host."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="ok"))

    async def go() -> tuple[bool, int]:
        gate = HostGate(per_host=1)
        held = await gate.acquire("http://portal.test/page")  # as a routed browser request
        async with httpx.AsyncClient(transport=gate.transport(transport)) as client:
            waiting = asyncio.ensure_future(client.get("http://portal.test/form.doc"))
            await asyncio.sleep(0.1)
            blocked = not waiting.done()
            held.give_back()
            return blocked, (await waiting).status_code

    assert run_async(go) == (True, 200)


def test_a_request_inside_a_held_slot_rides_on_it_and_other_hosts_still_wait() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "portal.test":
            return httpx.Response(302, headers={"Location": "http://files.test/a.pdf"})
        return httpx.Response(200, content=b"%PDF")

    async def go() -> tuple[int, bool]:
        gate = HostGate(per_host=1)
        async with httpx.AsyncClient(transport=gate.transport(httpx.MockTransport(answer))) as c:
            other = await gate.acquire("http://files.test/")  # another request holds files.test
            async with gate.slot("http://portal.test/a.doc"):
                # per_host=1 and the slot is held: the request rides on it instead of waiting
                first = await asyncio.wait_for(c.get("http://portal.test/a.doc"), 2)
                hop = asyncio.ensure_future(c.get(first.headers["location"]))
                await asyncio.sleep(0.1)
                waited = not hop.done()  # the redirect's host is another: it waits its turn
                other.give_back()
                await hop
            return first.status_code, waited

    assert run_async(go) == (302, True)
    assert seen == ["portal.test", "files.test"]


def test_a_response_never_closed_gives_its_slot_back_after_hold_s() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"x" * 10))

    async def go() -> float:
        gate = HostGate(per_host=1, hold_s=0.3)
        async with httpx.AsyncClient(transport=gate.transport(transport)) as client:
            await client.send(client.build_request("GET", "http://portal.test/"), stream=True)
            started = time.monotonic()
            await asyncio.wait_for(client.get("http://portal.test/again"), 5)
            return time.monotonic() - started

    assert 0.2 <= run_async(go) < 2


def test_a_request_cancelled_while_waiting_for_the_gap_leaves_the_slot_free() -> None:
    async def go() -> float:
        gate = HostGate(per_host=1, gap_s=0.3)
        (await gate.acquire("http://portal.test/1")).give_back()
        late = asyncio.ensure_future(gate.acquire("http://portal.test/2"))  # waits for the gap
        await asyncio.sleep(0.05)
        late.cancel()
        with pytest.raises(asyncio.CancelledError):
            await late
        started = time.monotonic()
        held = await asyncio.wait_for(gate.acquire("http://portal.test/3"), 2)
        held.give_back()
        return time.monotonic() - started

    assert run_async(go) < 1


def _arrivals(answer_s: float) -> tuple[list[float], httpx.AsyncBaseTransport]:
    """A portal answering each request ``answer_s`` after it arrives, noting when each did."""
    seen: list[float] = []

    async def body():  # streamed, as a real transport's: closing it gives the slot back
        yield b"ok"

    async def answer(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        await asyncio.sleep(answer_s)
        return httpx.Response(200, content=body())

    return seen, httpx.MockTransport(answer)


@pytest.mark.parametrize("per_host", [1, 2])
def test_the_gap_runs_from_the_previous_answer_so_the_portal_sees_it(per_host) -> None:
    """Slow answers (0.2 s) and a 0.3 s gap: each request arrives at least 0.5 s after the one
    before, also with two slots per host (the slots overlap bodies, never starts)."""
    seen, transport = _arrivals(0.2)

    async def go() -> None:
        gate = HostGate(per_host=per_host, gap_s=0.3)
        async with httpx.AsyncClient(transport=gate.transport(transport)) as client:
            await asyncio.gather(*(client.get(f"http://portal.test/{n}") for n in range(4)))

    run_async(go)
    gaps = [b - a for a, b in zip(seen, seen[1:], strict=False)]
    assert len(seen) == 4 and min(gaps) >= 0.5 - 0.01, gaps


def test_a_request_that_leaves_late_does_not_shorten_the_gap_to_the_next() -> None:
    """A link check that holds its slot but sends 0.25 s late (a loaded loop), then another
    check: 0.3 s apart at the portal, not 0.05 s (the gap once ran from the slot's start)."""
    seen, transport = _arrivals(0.0)

    async def go() -> None:
        gate = HostGate(per_host=1, gap_s=0.3)
        async with httpx.AsyncClient(transport=gate.transport(transport)) as client:

            async def check(url: str, late_s: float) -> None:
                async with gate.slot(url):
                    await asyncio.sleep(late_s)
                    await client.get(url)

            await asyncio.gather(
                check("http://portal.test/form.doc", 0.25),
                check("http://portal.test/sample.pdf", 0.0),
            )

    run_async(go)
    assert len(seen) == 2 and seen[1] - seen[0] >= 0.3 - 0.01, seen


def test_a_request_never_answered_lets_its_host_go_after_turn_s_not_hold_s() -> None:
    async def go() -> float:
        gate = HostGate(per_host=2, gap_s=0.05, hold_s=30, turn_s=0.3)
        lost = await gate.acquire("http://portal.test/lost")
        gate._lease(lost)  # as a routed request the browser never reports
        started = time.monotonic()
        other = await asyncio.wait_for(gate.acquire("http://portal.test/next"), 5)
        other.give_back()
        return time.monotonic() - started

    assert 0.2 <= run_async(go) < 2


@pytest.mark.parametrize(
    ("concurrency", "per_host", "most_at_once", "most_per_host"),
    [(4, 2, 4, 2), (8, 1, 3, 1), (1, 2, 1, 1), (12, 4, 12, 4)],
)
def test_work_runs_limited_overall_and_per_host_with_results_in_order(
    concurrency, per_host, most_at_once, most_per_host
) -> None:
    items = [f"http://{host}.test/{n}" for n in range(4) for host in ("a", "b", "c")]
    running: Counter[str] = Counter()
    seen = {"all": 0, "host": 0}

    async def work(url: str) -> str:
        host = httpx.URL(url).host
        running[host] += 1
        seen["all"] = max(seen["all"], sum(running.values()))
        seen["host"] = max(seen["host"], running[host])
        await asyncio.sleep(0.02)
        running[host] -= 1
        return url.upper()

    async def go() -> list[str]:
        return await gather_per_host(
            items, work, url=lambda u: u, concurrency=concurrency, per_host=per_host
        )

    assert run_async(go) == [u.upper() for u in items]
    assert seen == {"all": most_at_once, "host": most_per_host}
