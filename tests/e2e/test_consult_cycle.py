"""The consultation cycle end to end: a real sandbox process, real Chromium, real SQLite, over
the fewest cities that between them show every behaviour the sandbox's truth has (each
archetype, the 12345 letter system, a reply on time, late and never, each quality, a reply
whose time the portal does not show, a rating entry or none, a captcha, hostile markup).

Submit (killed with SIGKILL part-way, then run again), submit a third time (nothing new), poll
while the sandbox clock moves through the observation window, and compare every item's
timeliness and suggested effectiveness with the sandbox's truth. That the truth of all 36
cities gives the published national means is the unit lane's (tests/unit/test_sandbox_world.py),
and ``make demo`` walks this cycle over all 36 and reproduces them (``python -m bench.demo``
checks the figures). The longest test: in a file of its own and marked ``slow``, so a parallel
run starts it first, on a worker of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter

import httpx
import pytest

from probes.app.demo import DEMO_POLLS
from tests.support.commands import GOVPROBE, govprobe
from tests.support.sandbox_client import clock, submissions

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def expected(truth: dict, kind: str) -> tuple[str, str]:
    delay = truth[kind]["delay_working_days"]
    if delay is None:
        return "no_reply", "not"
    return ("on_time" if delay <= 5 else "late"), truth[kind]["quality"]


def behaviours(truth: dict, city: dict) -> set[tuple]:
    """What a city's truth makes the cycle do, as features one city or another must show."""
    shown = {
        ("archetype", city["archetype"]),
        ("interaction", truth["interaction"]),
        ("time shown", truth["reply_time_shown"]),
        ("rating", truth["rating"]),
        ("captcha", bool(truth["captcha_on_forms"])),
        ("hostile", bool(truth["hostile_markup"])),
    }
    for kind in ("consult", "complaint"):
        timeliness, quality = expected(truth, kind)
        shown |= {(kind, "timeliness", timeliness), (kind, "quality", quality)}
    return shown


def covering_cities(sandbox: str) -> tuple[list[dict], dict[str, dict]]:
    """The fewest cities (greedy, in city-id order) whose truths show every behaviour any
    city's shows; and every city's truth."""
    cities = httpx.get(f"{sandbox}/__sandbox/cities", timeout=30).json()
    truths = {c["city_id"]: httpx.get(f"{sandbox}/__sandbox/truth/{c['city_id']}",
                                      timeout=30).json() for c in cities}  # fmt: skip
    features = {c["city_id"]: behaviours(truths[c["city_id"]], c) for c in cities}
    wanted = set().union(*features.values())
    chosen: list[dict] = []
    while wanted:
        best = max(sorted(cities, key=lambda c: c["city_id"]),
                   key=lambda c: len(features[c["city_id"]] & wanted))  # fmt: skip
        chosen.append(best)
        wanted -= features[best["city_id"]]
    return chosen, truths


@pytest.mark.timeout(1200)
def test_the_full_cycle_over_every_behaviour_of_the_truth(sandbox, tmp_path, open_store) -> None:
    chosen, truths = covering_cities(sandbox)
    assert 5 <= len(chosen) < 36  # every archetype at least, and not the whole country
    names = [a for c in chosen for a in ("--city", c["name"])]
    total = len(chosen) * 2 * 2  # two scenarios, a consultation and a complaint each
    db = str(tmp_path / "g.db")
    fast = ("--concurrency", "6")  # the journeys mostly wait on pages: 2 cores carry 6
    submit = [GOVPROBE, "consult", "submit", "--sandbox-url", sandbox, "--db", db, *names,
              *fast, "--json"]  # fmt: skip

    # 1. killed part-way (the whole process group: govprobe, its driver and Chromium)
    proc = subprocess.Popen(
        submit, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 300
    part = total // 3
    while len(submissions(sandbox)) < part and time.monotonic() < deadline:
        assert proc.poll() is None, "the submission ended before it could be killed"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    sent_before_kill = len(submissions(sandbox))
    assert part <= sent_before_kill < total

    # 2. run again: it finishes, reconciling what the kill left unconfirmed
    again = govprobe("consult", "submit", "--sandbox-url", sandbox, "--db", db, *names, *fast)
    sent = submissions(sandbox)
    per_key = Counter((s["city"], s["scenario"], s["kind"]) for s in sent)
    assert len(per_key) == total and set(per_key.values()) == {1}
    assert {r["action"] for r in again["results"]} <= {"kept", "submitted", "reconciled"}

    # 3. a third time: nothing new is sent
    third = govprobe("consult", "submit", "--sandbox-url", sandbox, "--db", db, *names)
    assert len(submissions(sandbox)) == total
    assert {r["action"] for r in third["results"]} == {"kept"}
    assert len(third["results"]) == total and third["round"] == again["round"]

    # every item holds the portal's ticket and time, the same as the sandbox recorded
    con = open_store(db)
    ours = {
        (c, s, k): (t, at)
        for c, s, k, t, at in con.execute(
            "SELECT city, scenario, kind, ticket, submitted_at FROM items"
        )
    }
    assert ours == {(s["city"], s["scenario"], s["kind"]): (s["receipt"], s["submitted_at"])
                    for s in sent}  # fmt: skip
    evidence = con.execute(
        "SELECT count(DISTINCT item_id) FROM item_evidence WHERE kind = 'receipt'"
    )
    assert evidence.fetchone()[0] >= total - sent_before_kill  # receipts seen by this process

    # 4. poll through the first week: Wednesday, Friday, late on the 5th working day (where on
    # time ends) and just after it, so a reply whose portal shows no time is dated on the right
    # side of the line (probes/score/replies.py); then past the window
    for advance in DEMO_POLLS[:-1]:
        clock(sandbox, advance=advance)
        govprobe("poll", "--sandbox-url", sandbox, "--db", db, *fast)
    clock(sandbox, advance=DEMO_POLLS[-1])
    items = govprobe("poll", "--sandbox-url", sandbox, "--db", db, *fast)["items"]
    assert len(items) == total and {i["status"] for i in items} <= {"replied", "closed"}

    # 5. every item's timeliness and suggested effectiveness are the sandbox's truth
    for item in items:
        city = item["city"]
        want = expected(truths[city], item["kind"])
        assert (item["timeliness"], item["effectiveness"]) == want, item
        assert item["effectiveness_source"] == "auto"
        if item["status"] == "replied" and not truths[city]["reply_time_shown"]:
            assert item["replied_at_source"] == "first_seen"
        assert item["rating_entry"] == truths[city]["rating"], item
    # 6. an evaluator changes one suggestion: kept, audited, never overwritten by a poll
    item = next(i for i in items if i["effectiveness"] == "solved")
    done = subprocess.run(
        [GOVPROBE, "label", str(item["id"]), "partly", "--by", "李评估", "--note", "只答了材料",
         "--db", db], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    items = govprobe("poll", "--sandbox-url", sandbox, "--db", db)["items"]
    labelled = next(i for i in items if i["id"] == item["id"])
    assert (labelled["effectiveness"], labelled["effectiveness_source"]) == ("partly", "evaluator")
    audit = con.execute("SELECT old, new, by, note FROM labels WHERE item_id = ?", [item["id"]])
    assert audit.fetchall() == [("solved", "partly", "李评估", "只答了材料")]
