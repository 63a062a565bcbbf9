"""Capture one guide per archetype and channel from a fresh sandbox, with its truth.

    .venv/bin/python -m bench.capture_fixtures

Writes ``tests/fixtures/captured/{archetype}-{channel}.html`` (what the journey stores) and a
``.json`` beside each with the sandbox's truth, for ``tests/unit/test_extract_captured.py``. Run it
again when the sandbox's markup changes.
"""

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

import httpx
from playwright.async_api import async_playwright

from probes.net import browser
from probes.plan.cities import load_registry
from probes.plan.profiles import load_profiles
from probes.plan.scenarios import load_scenarios
from probes.plan.targets import SandboxProcess
from probes.store.evidence import EvidenceStore
from probes.walk.guide import GuideJourney

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "captured"
picks = {"epoint": "上海", "jsonapi": "深圳", "listfw": "北京", "zjsearch": "杭州"}
sc = load_scenarios()["beauty-salon"]


async def main(sandbox_url: str, evidence: str, launch: dict) -> None:
    cities = httpx.get(sandbox_url + "/__sandbox/cities").json()
    async with async_playwright() as p:
        b = await p.chromium.launch(**launch)
        for arch, name in picks.items():
            c = next(x for x in cities if x["name"] == name)
            truth = httpx.get(f"{sandbox_url}/__sandbox/truth/{c['city_id']}").json()
            for channel in ("pc", "mobile"):
                if channel == "mobile":
                    dev = dict(p.devices["Pixel 7"])
                    dev.pop("default_browser_type", None)
                    ctx = await b.new_context(**dev, locale="zh-CN")
                else:
                    ctx = await b.new_context(locale="zh-CN")
                reg = load_registry().find(name)
                ev = EvidenceStore(evidence)
                j = GuideJourney(
                    ctx,
                    ev,
                    c["pc_url"] if channel == "pc" else c["mobile_url"],
                    channel,
                    profile=load_profiles().get(reg.platform),
                    city_name=name,
                )
                r = await j.walk(
                    sc.matter("public-health-permit"), city=c["city_id"], scenario=sc.id
                )
                assert r.capture, (arch, channel, r.reason)
                t = truth["scenarios"]["beauty-salon"]["matters"]["public-health-permit"][channel]
                stem = f"{arch}-{channel}"
                shutil.copy(ev.path(r.capture.html.relpath), OUT / f"{stem}.html")
                (OUT / f"{stem}.json").write_text(
                    json.dumps(
                        {
                            "city": name,
                            "url": r.capture.url,
                            "present": sorted(k for k, v in t["elements"].items() if v is not None),
                            "absent": sorted(k for k, v in t["elements"].items() if v is None),
                            "materials": [m["name"] for m in t["materials"]],
                        },
                        ensure_ascii=False,
                        indent=1,
                    )
                )
                print(stem, r.outcome, len(Path(OUT / f"{stem}.html").read_bytes()))
                await ctx.close()
        await b.close()


if __name__ == "__main__":
    with SandboxProcess() as sandbox, tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(sandbox.url, tmp, browser.launch_options()))
