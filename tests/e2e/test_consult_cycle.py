"""The consultation cycle over all 36 cities, end to end: a real sandbox process, real Chromium,
real SQLite.

Submit (killed with SIGKILL part-way, then run again), submit a third time (nothing new), poll
while the sandbox clock moves through the observation window, and compare every city's
timeliness and suggested effectiveness with the sandbox's truth and the national means with the
published ones. Every archetype is in it, and the 12345 letter system. The longest test: in a
file of its own and marked ``slow``, so a parallel run starts it first, on a worker of its own.
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
POINTS = {"on_time": 100, "late": 50, "no_reply": 0, "solved": 100, "partly": 50, "not": 0}


def expected(truth: dict, kind: str) -> tuple[str, str]:
    delay = truth[kind]["delay_working_days"]
    if delay is None:
        return "no_reply", "not"
    return ("on_time" if delay <= 5 else "late"), truth[kind]["quality"]


@pytest.mark.timeout(1200)
def test_the_full_cycle_over_all_36_cities(sandbox, tmp_path, open_store) -> None:
    db = str(tmp_path / "g.db")
    fast = ("--concurrency", "6")  # the journeys mostly wait on pages: 2 cores carry 6
    submit = [GOVPROBE, "consult", "submit", "--sandbox-url", sandbox, "--db", db, *fast, "--json"]

    # 1. killed part-way (the whole process group: govprobe, its driver and Chromium)
    proc = subprocess.Popen(
        submit, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 300
    while len(submissions(sandbox)) < 40 and time.monotonic() < deadline:
        assert proc.poll() is None, "the submission ended before it could be killed"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    sent_before_kill = len(submissions(sandbox))
    assert 40 <= sent_before_kill < 144

    # 2. run again: it finishes, reconciling what the kill left unconfirmed
    again = govprobe("consult", "submit", "--sandbox-url", sandbox, "--db", db, *fast)
    sent = submissions(sandbox)
    per_key = Counter((s["city"], s["scenario"], s["kind"]) for s in sent)
    assert len(per_key) == 36 * 2 * 2 and set(per_key.values()) == {1}
    assert {r["action"] for r in again["results"]} <= {"kept", "submitted", "reconciled"}

    # 3. a third time: nothing new is sent
    third = govprobe("consult", "submit", "--sandbox-url", sandbox, "--db", db)
    assert len(submissions(sandbox)) == 144
    assert {r["action"] for r in third["results"]} == {"kept"}
    assert len(third["results"]) == 144 and third["round"] == again["round"]

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
    assert evidence.fetchone()[0] >= 144 - sent_before_kill  # receipts seen by this process

    # 4. poll through the first week: Wednesday, Friday, late on the 5th working day (where on
    # time ends) and just after it, so a reply whose portal shows no time is dated on the right
    # side of the line (probes/score/replies.py); then past the window
    for advance in DEMO_POLLS[:-1]:
        clock(sandbox, advance=advance)
        govprobe("poll", "--sandbox-url", sandbox, "--db", db, *fast)
    clock(sandbox, advance=DEMO_POLLS[-1])
    items = govprobe("poll", "--sandbox-url", sandbox, "--db", db, *fast)["items"]
    assert len(items) == 144 and {i["status"] for i in items} <= {"replied", "closed"}

    # 5. every city's timeliness and suggested effectiveness are the sandbox's truth
    truths = {}
    for item in items:
        city = item["city"]
        truths[city] = truths.get(city) or httpx.get(f"{sandbox}/__sandbox/truth/{city}").json()
        want = expected(truths[city], item["kind"])
        assert (item["timeliness"], item["effectiveness"]) == want, item
        assert item["effectiveness_source"] == "auto"
        if item["status"] == "replied" and not truths[city]["reply_time_shown"]:
            assert item["replied_at_source"] == "first_seen"
        assert item["rating_entry"] == truths[city]["rating"], item
    for kind, (timely, effective) in {"consult": (87.50, 70.83),
                                      "complaint": (83.33, 69.44)}.items():  # fmt: skip
        mine = [i for i in items if i["kind"] == kind]
        assert round(sum(POINTS[i["timeliness"]] for i in mine) / len(mine), 2) == timely
        assert round(sum(POINTS[i["effectiveness"]] for i in mine) / len(mine), 2) == effective

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
