"""A synthetic season written through the store's own functions, for ``bench.growth``.

``write_season`` fills one database (and its evidence store) with what a season of govprobe on
N portals leaves behind, through the same calls the service makes (``probes/store/``):

* **guide rounds**, one a week: every city x matter (scenarios/*.yaml: 3 + 2) x channel (PC,
  mobile) is one probe (``start_round``, ``save_probe``, ``save_judgement``, ``finish_round``)
  with its steps, capture and evidence, judged with 14-16 elements, 3-5 materials, their form
  and sample links and a few findings. Outcomes: 92% found, 4% guide missing, 2% timeout (half
  confirmed by a retry), 1% probe_error, 1% blocked.
* **daily health checks**: a check round a day; per city and channel the visit, HTTPS and two
  pages in Chromium in one transaction (as ``probes.check.round.save_target``), then up to ten
  form and sample links per city, each its own write (as ``check_targets``), the detail JSON
  made by the same dataclasses (``Visit``, ``HttpsResult``, ``PageCheck``, ``LinkResult``).
* **two months of polling**: two consultation rounds (each city, scenario and kind: an item),
  five weeks apart, sent as ``consult submit`` sends (``record_intent``, ``sending``, the
  attempt, ``mark_submitted``, form and receipt screenshots), then polled five times a working
  day (as the default schedule: every 2 h, 9-17) until each item is replied or its window of 20
  working days closes (``note_item`` polled, the list page's screenshot and HTML as item
  evidence, ``record_reply``, ``close_item``, ``set_item_scores``). Working days here are Monday
  to Friday (no holiday calendar: a benchmark, not a judgement).

Evidence sizes are those of the demo's real sandbox probes (``results/demo``, 360 probes,
measured 2026-11-29), except the guide HTML, 30-80 kB as real portals serve it (the sandbox's
is ~9 kB)::

    file                         PC (mean, size in px)       mobile
    step screenshot (JPEG)       45 kB, 1366 x 900           151 kB, 1082 x 2202
    guide screenshot (JPEG)      71 kB, 1366 x ~1700         309 kB, 1082 x ~6800
    guide HTML                   30-80 kB                     30-80 kB
    consultation form / receipt  43 kB / 26 kB; a list page read: 42 kB + 2 kB of HTML

Each screenshot is a real JPEG of that size in pixels (so the report's thumbnails decode what
they would), padded to its byte size after the image's end with a unique tail (so no two files
share a hash, as no two real captures do). With ``evidence="last"`` only the last guide round's
files (the ones a report opens) are written; the others get their rows (hash, size, path) but
no file: the season's evidence size is then the sum of the sizes the rows record.
"""

from __future__ import annotations

import hashlib
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from probes import store
from probes.check.browser_checks import PageCheck
from probes.check.http_checks import HttpsResult, Visit
from probes.model import Capture, EvidenceRef, ProbeResult, Step
from probes.net.http import LinkResult
from probes.outcomes import Outcome
from probes.plan.cities import REGIONS, City, Registry, load_registry
from probes.plan.scenarios import Scenario, load_scenarios
from probes.store.evidence import SUFFIXES, EvidenceStore

CHANNELS = ("pc", "mobile")
KINDS = ("consult", "complaint")
SEASON_START = datetime(2026, 1, 4, 18, 0, tzinfo=UTC)  # a Sunday night: 02:00 Monday in China
POLL_HOURS_UTC = (1, 3, 5, 7, 9)  # 9, 11, 13, 15, 17 China time
WINDOW_WORKDAYS = 20
LINKS_PER_CITY = 10
RULES_VERSION = "2026.11-1"

# (kind, channel) -> (mean bytes, width, height) measured on the demo's evidence
SHOT_SIZES = {
    ("step", "pc"): (45_400, 1366, 900),
    ("step", "mobile"): (151_300, 1082, 2202),
    ("guide", "pc"): (71_400, 1366, 1700),
    ("guide", "mobile"): (308_500, 1082, 6800),
    ("form", "pc"): (42_700, 1366, 900),
    ("receipt", "pc"): (26_200, 1366, 900),
    ("list", "pc"): (41_800, 1366, 900),
}
HTML_BYTES = (30_000, 80_000)
LIST_HTML_BYTES = 2_000

ELEMENT_VALUES = {
    "事项名称": "{matter}",
    "实施编码": "11{code:021d}",
    "设定依据": "《公共场所卫生管理条例》第四条、第八条；《公共场所卫生管理条例实施细则》第二十二条",
    "受理条件": "申请人已取得营业执照；经营场所选址、设计及卫生设施布局符合要求；从业人员取得有效健康合格证明。",
    "申请材料": "申请书；营业执照复印件；检测报告；经营场所平面图；从业人员健康合格证明",
    "办理流程": "受理→审查→现场核查→决定→制证→送达",
    "收费标准": "不收费",
    "办理地点": "{city}市民服务中心三楼综合窗口",
    "办理时间": "周一至周五 9:00-12:00，13:30-17:00（法定节假日除外）",
    "咨询方式": "0{area}-8759{tail:04d}",
    "监督投诉方式": "0{area}-9568{tail:04d}；12345政务服务便民热线",
    "到办事现场次数": "{visits}次",
    "是否网办": "是（网上办理深度：Ⅳ级）",
    "办理结果": "许可证",
    "法定办结时限": "20个工作日",
    "承诺办结时限": "{promise}个工作日",
}
MATERIALS = (
    "申请书",
    "营业执照复印件",
    "检测报告",
    "经营场所平面图及卫生设施布局图",
    "从业人员健康合格证明",
)


def synthetic_registry(n: int) -> Registry:
    """The first ``n`` cities of the real registry; beyond its 36, made-up cities spread over
    the six regions in turn (on the real cities' platforms, in turn)."""
    real = load_registry()
    cities = list(real.cities[:n])
    for i in range(len(cities), n):
        template = real.cities[i % len(real.cities)]
        cities.append(
            City(
                id=f"synth-{i:04d}",
                name=f"合成{i:03d}市",
                province=template.province,
                region=REGIONS[i % len(REGIONS)],
                platform=template.platform,
                pc_url=f"https://zwfw-{i:04d}.example.gov.cn/",
                mobile=f"https://m.zwfw-{i:04d}.example.gov.cn/",
                verified=False,
            )
        )
    return Registry(tuple(cities), Path(f"<{n} synthetic cities>"))


@dataclass
class Tally:
    """What was written, for the figures."""

    probes: int = 0
    judgements: int = 0
    checks: int = 0
    items: int = 0
    polls: int = 0
    item_events: int = 0
    files_written: int = 0
    bytes_written: int = 0
    bytes_recorded: int = 0
    guide_rounds: list[str] = field(default_factory=list)
    check_rounds: int = 0
    consult_rounds: list[str] = field(default_factory=list)


class Evidence:
    """Evidence of realistic sizes, unique per file, written through ``EvidenceStore.put``
    while ``write`` is on, else only described (``EvidenceRef`` with no file)."""

    def __init__(self, root: Path, rng: random.Random, tally: Tally):
        self.store = EvidenceStore(root)
        self.rng = rng
        self.tally = tally
        self.write = True
        self.counter = 0
        self._bases: dict[tuple[str, str], bytes] = {}

    def _base_jpeg(self, kind: str, channel: str) -> bytes:
        """A JPEG of the real size in pixels, lines of grey "text", sparse enough to stay
        under half the mean file size (the rest is padding)."""
        key = (kind, channel)
        if key not in self._bases:
            from PIL import Image, ImageDraw

            mean, width, height = SHOT_SIZES[key]
            density = 1.0
            while True:
                image = Image.new("RGB", (width, height), "white")
                draw = ImageDraw.Draw(image)
                r = random.Random(f"{kind}-{channel}")
                for y in range(0, height, 28):
                    if r.random() > density:
                        continue
                    x = 20
                    while x < width - 160:
                        w = r.randint(40, 150)
                        draw.rectangle((x, y + 8, x + w, y + 18), fill=(90, 90, 110))
                        x += w + r.randint(10, 40)
                out = io.BytesIO()
                image.save(out, "JPEG", quality=50)
                if out.tell() <= mean / 2 or density < 0.02:
                    break
                density /= 1.5
            self._bases[key] = out.getvalue()
        return self._bases[key]

    def _size(self, mean: float) -> int:
        return max(1_000, int(self.rng.lognormvariate(0, 0.35) * mean / 1.063))

    def _tail(self) -> bytes:
        self.counter += 1
        return b"govprobe-bench-%d-%d" % (self.counter, self.rng.getrandbits(64))

    def _put(self, data: bytes, media: str) -> EvidenceRef:
        self.tally.bytes_recorded += len(data)
        if self.write:
            self.tally.files_written += 1
            self.tally.bytes_written += len(data)
            return self.store.put(data, media)
        digest = hashlib.sha256(data).hexdigest()
        return EvidenceRef(digest, len(data), media, f"{digest[:2]}/{digest}{SUFFIXES[media]}")

    def jpeg(self, kind: str, channel: str) -> EvidenceRef:
        mean = SHOT_SIZES[(kind, channel)][0]
        size, tail = self._size(mean), self._tail()
        if not self.write:  # only its size matters: hash a short stand-in
            self.tally.bytes_recorded += size
            digest = hashlib.sha256(tail).hexdigest()
            return EvidenceRef(digest, size, "image/jpeg", f"{digest[:2]}/{digest}.jpg")
        base = self._base_jpeg(kind, channel)
        pad = max(0, size - len(base) - len(tail))
        return self._put(base + tail + b"\0" * pad, "image/jpeg")

    def html(self, title: str, rows: dict[str, str], size: int | None = None) -> EvidenceRef:
        tail = self._tail()
        if size is None:
            size = self.rng.randint(*HTML_BYTES)
        if not self.write:
            self.tally.bytes_recorded += size
            digest = hashlib.sha256(tail).hexdigest()
            return EvidenceRef(digest, size, "text/html", f"{digest[:2]}/{digest}.html")
        body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows.items())
        head = f"<html><head><title>{title}</title></head><body><table>{body}</table>"
        filler = "<p>政务服务事项办事指南。本页面内容仅供参考。</p>"
        data = (head + "<!-- " + tail.decode() + " -->").encode()
        need = max(0, size - len(data) - 14)
        data += (filler * (need // len(filler.encode()) + 1)).encode()[:need]
        return self._put(data + b"</body></html>", "text/html")


def _address(city: City, channel: str) -> str:
    """The city's PC or mobile address (a mobile entry that is an app, not a url: the PC one)."""
    if channel == "mobile" and city.mobile and city.mobile.startswith("http"):
        return city.mobile
    return city.pc_url


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _workdays_after(start: datetime, days: int) -> datetime:
    moment = start
    while days > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment


def _workdays_between(start: datetime, end: datetime) -> int:
    days, moment = 0, start
    while moment.date() < end.date():
        moment += timedelta(days=1)
        days += moment.weekday() < 5
    return days


class SeasonWriter:
    def __init__(
        self,
        db,
        evidence_root: Path,
        registry: Registry,
        *,
        seed: int = 9,
        scenarios: dict[str, Scenario] | None = None,
    ):
        self.db = db
        self.registry = registry
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.evidence = Evidence(evidence_root, self.rng, self.tally)
        self.scenarios = scenarios or load_scenarios()
        # each city's fixed traits: how good its guides and portal are, its links
        self.trait = {c.id: self.rng.random() for c in registry.cities}

    # --- guide rounds ---------------------------------------------------------------------

    def _outcome(self) -> tuple[Outcome, dict]:
        x = self.rng.random()
        if x < 0.92:
            return Outcome.OK, {}
        if x < 0.96:
            return Outcome.GUIDE_MISSING, {}
        if x < 0.98:
            return Outcome.TIMEOUT, {"confirmed": self.rng.random() < 0.5, "attempts": 2}
        if x < 0.99:
            return Outcome.PROBE_ERROR, {}
        return Outcome.BLOCKED, {}

    def guide_round(self, at: datetime) -> str:
        round_id = store.start_round(self.db, "guides", "sandbox", {"synthetic": True}, at=_iso(at))
        moment = at
        for city in self.registry.cities:
            for scenario in self.scenarios.values():
                for matter in scenario.matters:
                    for channel in CHANNELS:
                        moment += timedelta(seconds=3)
                        self._probe(round_id, city, scenario, matter, channel, moment)
        store.finish_round(self.db, round_id, at=_iso(moment))
        self.tally.guide_rounds.append(round_id)
        return round_id

    def _probe(self, round_id, city: City, scenario, matter, channel: str, at: datetime) -> None:
        ev, rng = self.evidence, self.rng
        portal = _address(city, channel)
        guide_url = f"{portal.rstrip('/')}/guide/{matter.id}.html"
        outcome, extra = self._outcome()
        steps = [
            Step(1, "goto", portal, portal, rng.randint(400, 3000), ev.jpeg("step", channel)),
            Step(2, "search", f"搜索框 ← {matter.name}", portal, rng.randint(500, 2500),
                 ev.jpeg("step", channel)),
        ]  # fmt: skip
        capture = None
        if outcome is Outcome.OK:
            if rng.random() < 0.3:
                steps.append(Step(len(steps) + 1, "dismiss_overlay", "关闭", portal, 200))
            steps.append(Step(len(steps) + 1, "open_result", f"#1 {matter.name}", guide_url, 900))
            steps.append(Step(len(steps) + 1, "expand", "4 tabs/sections", guide_url, 1500))
            steps.append(
                Step(len(steps) + 1, "capture", matter.name, guide_url, 500,
                     ev.jpeg("step", channel))
            )  # fmt: skip
            steps.append(
                Step(len(steps) + 1, "online_apply", "在线办理", f"{portal}apply", 400, None,
                     "login wall")
            )  # fmt: skip
            rows = self._elements(city, matter)
            capture = Capture(
                url=guide_url,
                title=matter.name,
                html=ev.html(matter.name, rows),
                screenshot=ev.jpeg("guide", channel),
                found_by="search" if rng.random() < 0.85 else "navigation",
                query=matter.name,
                rank=1 if rng.random() < 0.8 else rng.randint(2, 5),
                candidates=(matter.name, f"{matter.name}（变更）", f"{matter.name}（注销）"),
                url_trail=(portal, guide_url, f"{portal}apply"),
                online_apply_url=f"{portal}login?next=/apply",
            )
            links = self._links(city, channel, matter)
            extra = {
                "links": [{"url": u, "status": s} for u, _, s in links],
                "online_apply": {"entry": True, "reached": rng.random() < 0.9,
                                 "login_wall": True, "status": 200, "text": "在线办理"},
            }  # fmt: skip
        else:
            steps.append(Step(3, "navigate_category", "法人办事", portal, 2000))
        result = ProbeResult(
            city=city.id,
            scenario=scenario.id,
            matter=matter.id,
            channel=channel,
            portal_url=portal,
            outcome=outcome,
            reason="found by search" if outcome is Outcome.OK else str(outcome),
            started_at=_iso(at),
            seconds=round(rng.uniform(4, 40), 2),
            steps=tuple(steps),
            capture=capture,
            extra=extra,
        )
        probe_id = store.save_probe(self.db, round_id, result)
        self.tally.probes += 1
        if capture is not None:
            self._judge(probe_id, city, matter, rows, links, at)

    def _elements(self, city: City, matter) -> dict[str, str]:
        rng = self.rng
        values = {}
        for name in matter.required:
            template = ELEMENT_VALUES.get(name, "见办事指南")
            values[name] = template.format(
                matter=matter.name, code=rng.getrandbits(60), city=city.name,
                area=rng.randint(10, 999), tail=rng.randint(0, 9999),
                visits=rng.choice((0, 0, 0, 1)), promise=rng.choice((5, 10, 15, 20, 25)),
            )  # fmt: skip
        return values

    def _links(self, city: City, channel: str, matter) -> list[tuple[str, str, int]]:
        base = _address(city, channel)
        n = self.rng.randint(1, 3)
        return [
            (
                f"{base}files/{matter.id}/{'form' if i == 0 else 'sample'}/{i + 1}.pdf",
                "form" if i == 0 else "sample",
                404 if self.rng.random() < 0.06 * (1 + self.trait[city.id]) else 200,
            )
            for i in range(n)
        ]

    def _judge(self, probe_id, city, matter, rows, links, at: datetime) -> None:
        rng = self.rng
        shown = dict(rows)
        empty = [n for n in list(shown) if rng.random() < 0.03 * self.trait[city.id]]
        missing_labels = [n for n in list(shown) if n not in empty and rng.random() < 0.02]
        for n in missing_labels:
            del shown[n]
        for n in empty:
            shown[n] = ""
        missing = [*empty, *missing_labels]
        count = rng.randint(3, 5)
        link_of = {0: links[0][0]} | {i: u for i, (u, _, _) in enumerate(links[1:], start=2)}
        materials = [
            {
                "seq": i,
                "name": MATERIALS[i - 1],
                "media": "纸质、电子",
                "copies": "原件1份",
                "source": "申请人自备",
                "required": "必要",
                "form_url": link_of.get(0) if i == 1 else None,
                "sample_url": link_of.get(i),
            }
            for i in range(1, count + 1)
        ]
        findings = [
            {"code": f"broken_{kind}_link", "element": "申请材料",
             "detail": f"材料的{'空表' if kind == 'form' else '样表'}链接无法打开（HTTP 404）：{url}"}
            for url, kind, status in links if status != 200
        ]  # fmt: skip
        if rng.random() < 0.04:
            findings.append(
                {
                    "code": "materials_differ",
                    "element": "申请材料",
                    "detail": "两个渠道的申请材料不一致",
                }
            )
        store.save_judgement(
            self.db,
            probe_id,
            elements={k: v for k, v in shown.items() if v},
            empty=empty,
            materials=materials,
            links=[{"url": u, "kind": k, "status": s, "checked_at": _iso(at)} for u, k, s in links],
            findings=findings,
            completeness=1 - len(missing) / len(matter.required),
            required=list(matter.required),
            missing=missing,
            rules_version=RULES_VERSION,
            judged_at=_iso(at),
        )
        self.tally.judgements += 1

    # --- daily health checks --------------------------------------------------------------

    def check_round(self, at: datetime) -> str:
        rng, db = self.rng, self.db
        round_id = store.start_round(db, "check", "sandbox", {"synthetic": True}, at=_iso(at))
        for city in self.registry.cities:
            good = self.trait[city.id]
            for channel in CHANNELS:
                url = _address(city, channel)
                down = rng.random() < 0.01 + 0.03 * good
                ttfb = rng.uniform(40, 900)
                visit = Visit(
                    url, "down" if down else "up", "timeout" if down else "",
                    None if down else 200, None if down else ttfb,
                    15_000 if down else ttfb + rng.uniform(100, 2000), None if down else url,
                    0 if down else rng.randint(20_000, 400_000),
                )  # fmt: skip
                https = HttpsResult(
                    url, served_over_https=True, redirects_to_https=good > 0.3,
                    https_url=url, cert_valid=good > 0.1,
                    problem=None if good > 0.1 else "expired", names=(urlsplit(url).hostname or "",),
                    not_after="2027-03-01T00:00:00+00:00", days_left=rng.randint(20, 400),
                    tls_version="TLSv1.3", issuer="GlobalSign",
                )  # fmt: skip
                detail = visit.detail()
                with store.transaction(db):
                    store.save_check(
                        db, round_id, url=url, kind="home", city=city.id, channel=channel,
                        status=visit.status, classification=visit.classification,
                        ttfb_ms=visit.ttfb_ms, total_ms=visit.total_ms, detail=detail, at=_iso(at),
                    )  # fmt: skip
                    store.save_check(
                        db, round_id, url=url, kind="https", city=city.id, channel=channel,
                        classification=https.problem or "ok", detail=https.detail(), at=_iso(at),
                    )  # fmt: skip
                    self.tally.checks += 2
                    if down:
                        continue
                    for kind in ("home", "guide"):
                        page = self._page(url, kind, channel)
                        store.save_check(
                            db, round_id, url=page.url, kind="page", city=city.id,
                            channel=channel, status=page.status,
                            classification="loaded" if page.loaded else "failed",
                            ttfb_ms=page.timings.get("ttfb_ms"), total_ms=page.speed_ms,
                            detail=page.detail(), at=_iso(at),
                        )  # fmt: skip
                        self.tally.checks += 1
            for i in range(LINKS_PER_CITY):
                url = f"{city.pc_url}files/m{i // 2}/{'form' if i % 2 == 0 else 'sample'}/1.pdf"
                ok = rng.random() > 0.08 * good
                link = LinkResult(
                    url, "ok" if ok else "broken", 200 if ok else 404, url,
                    rng.randint(10_000, 900_000) if ok else 0, rng.uniform(50, 1500),
                )  # fmt: skip
                store.save_check(
                    db, round_id, url=url, kind="link", city=city.id, status=link.status,
                    classification=link.result, total_ms=link.total_ms,
                    detail={**link.detail(), "link_kind": "form" if i % 2 == 0 else "sample"},
                    at=_iso(at),
                )  # fmt: skip
                self.tally.checks += 1
        store.finish_round(db, round_id, at=_iso(at + timedelta(minutes=20)))
        self.tally.check_rounds += 1
        return round_id

    def _page(self, url: str, kind: str, channel: str) -> PageCheck:
        rng = self.rng
        ttfb = rng.uniform(40, 900)
        lcp = ttfb + rng.uniform(300, 6000)
        axe = {
            "critical": rng.randint(0, 1),
            "serious": rng.randint(0, 3),
            "moderate": rng.randint(0, 4),
            "minor": rng.randint(0, 3),
            "scored_rules": {"color-contrast": rng.randint(1, 40), "image-alt": rng.randint(1, 9)},
        }
        mobile = None
        if channel == "mobile":
            mobile = {
                "viewport_meta": "width=device-width, initial-scale=1",
                "device_width": True,
                "fits": rng.random() < 0.8,
                "readable": rng.random() < 0.7,
                "scroll_width": 375,
                "width": 375,
                "small_text_share": round(rng.random() * 0.5, 2),
            }
        return PageCheck(
            url=url if kind == "home" else f"{url.rstrip('/')}/guide/public-health-permit.html",
            kind=kind,
            channel=channel,
            loaded=True,
            status=200,
            final_url=url,
            timings={"ttfb_ms": round(ttfb, 1), "dom_content_loaded_ms": round(lcp * 0.6, 1),
                     "load_ms": round(lcp * 0.9, 1), "lcp_ms": round(lcp, 1)},
            speed_ms=round(lcp, 1),
            bytes=rng.randint(300_000, 4_000_000),
            requests=rng.randint(20, 140),
            mobile=mobile,
            axe=axe,
        )  # fmt: skip

    # --- consultations, complaints and their polling --------------------------------------

    def consult_round(self, at: datetime) -> tuple[str, list[dict]]:
        """Send every city's items; return the round and what the polls need of each item."""
        rng, db, ev = self.rng, self.db, self.evidence
        round_id = store.start_round(db, "consult", "sandbox", {"dry_run": False}, at=_iso(at))
        sent = []
        moment = at
        for city in self.registry.cities:
            for scenario in self.scenarios.values():
                for kind in KINDS:
                    message = scenario.consult if kind == "consult" else scenario.complaint
                    moment += timedelta(seconds=20)
                    item_id = store.record_intent(
                        db, city=city.id, scenario=scenario.id, kind=kind, round_id=round_id,
                        matter=message.matter, portal_url=city.pc_url, title=message.title,
                        content=message.question, poll_interval_s=7200, at=_iso(moment),
                    )  # fmt: skip
                    store.note_item(db, item_id, "sending", at=_iso(moment))
                    steps = [
                        {"seq": i, "action": a, "matched": m, "url": city.pc_url, "ms": 800,
                         "screenshot": None}
                        for i, (a, m) in enumerate(
                            [("goto", city.pc_url), ("click_text", "我要咨询"),
                             ("fill", "标题"), ("fill", "留言内容"), ("submit", "提交")], 1)
                    ]  # fmt: skip
                    list_url = f"{city.pc_url}my/{kind}"
                    store.note_item(
                        db, item_id, "attempt", at=_iso(moment), detail={"steps": steps},
                        outcome="ok", reason="", list_url=list_url,
                        rating_entry=rng.random() < 0.7,
                    )  # fmt: skip
                    ticket = f"ZX{rng.getrandbits(40):012d}"
                    store.mark_submitted(db, item_id, ticket, _iso(moment), at=_iso(moment))
                    for what in ("form", "receipt"):
                        store.add_item_evidence(
                            db, item_id, what, ev.jpeg(what, "pc"), at=_iso(moment)
                        )
                    self.tally.items += 1
                    # when (if ever) the portal replies, and how well
                    reply_days = None
                    if rng.random() < 0.85:
                        reply_days = min(int(rng.expovariate(1 / 4)) + 1, 30)
                    sent.append(
                        {"id": item_id, "city": city.id, "kind": kind, "scenario": scenario.id,
                         "submitted": moment, "ticket": ticket, "answer": message.answer_points,
                         "reply_at": None if reply_days is None else
                         _workdays_after(moment, reply_days) + timedelta(hours=rng.randint(0, 6)),
                         "end": _workdays_after(moment, WINDOW_WORKDAYS), "open": True}
                    )  # fmt: skip
        store.finish_round(db, round_id, at=_iso(moment))
        self.tally.consult_rounds.append(round_id)
        return round_id, sent

    def poll(self, at: datetime, items: list[dict]) -> None:
        """One poll: each city's list of each kind read once, each open item looked at."""
        db, ev, rng = self.db, self.evidence, self.rng
        by_list: dict[tuple[str, str], list[dict]] = {}
        for item in items:
            if item["open"] and item["submitted"] < at:
                by_list.setdefault((item["city"], item["kind"]), []).append(item)
        if not by_list:
            return
        self.tally.polls += 1
        for (_city, kind), mine in by_list.items():
            shot = ev.jpeg("list", "pc")
            page = ev.html(f"我的{'咨询' if kind == 'consult' else '投诉'}", {}, LIST_HTML_BYTES)
            for item in mine:
                item_id = item["id"]
                store.add_item_evidence(db, item_id, "list", shot, at=_iso(at))
                store.add_item_evidence(db, item_id, "list_html", page, at=_iso(at))
                store.claimed_tickets(db, item["city"], kind, besides=item_id)
                replied = item["reply_at"] is not None and item["reply_at"] <= at
                store.note_item(
                    db, item_id, "polled", at=_iso(at), list_url=f"/my/{kind}",
                    detail={"portal_now": _iso(at), "status": "已回复" if replied else "待回复"},
                )  # fmt: skip
                self.tally.item_events += 1
                if replied:
                    words = [p.keywords[0] for p in item["answer"] if rng.random() < 0.6]
                    text = "您好，经核实：" + "，".join(words or ["请来电咨询"]) + "。"
                    store.record_reply(
                        db, item_id, replied_at=_iso(item["reply_at"]), reply_text=text,
                        status_text="已回复", seen_at=_iso(at), source="portal",
                    )  # fmt: skip
                    days = _workdays_between(item["submitted"], item["reply_at"])
                    share = len(words) / len(item["answer"])
                    store.set_item_scores(
                        db, item_id, working_days=days,
                        timeliness="on_time" if days <= 5 else "late",
                        effectiveness="solved" if share >= 0.99 else
                        ("partly" if share > 0 else "not"), at=_iso(at),
                    )  # fmt: skip
                    item["open"] = False
                elif at >= item["end"]:
                    store.close_item(db, item_id, "no reply", at=_iso(at))
                    store.set_item_scores(
                        db, item_id, working_days=None, timeliness="no_reply",
                        effectiveness="not", at=_iso(at),
                    )  # fmt: skip
                    item["open"] = False

    # --- the season -----------------------------------------------------------------------

    def season(
        self,
        rounds: int,
        *,
        evidence: str = "all",
        progress: Callable[[str], None] = lambda _: None,
    ) -> Tally:
        """``rounds`` weeks: a guide round a week, a check round a day, two consultation rounds
        five weeks apart ending with the season, polled five times a working day."""
        start = SEASON_START
        end = start + timedelta(weeks=rounds)
        consult_weeks = {max(0, rounds - 9), max(0, rounds - 5)}
        items: list[dict] = []
        day = start
        week = 0
        while day < end:
            if (day - start).days % 7 == 0:
                self.evidence.write = evidence == "all" or week == rounds - 1
                self.guide_round(day)
                if week in consult_weeks:
                    _, sent = self.consult_round(day + timedelta(hours=2))
                    items.extend(sent)
                progress(f"week {week + 1}/{rounds}")
                week += 1
            self.evidence.write = evidence == "all"
            self.check_round(day + timedelta(hours=2))
            for hour in POLL_HOURS_UTC:
                moment = (day + timedelta(days=1)).replace(hour=hour)
                if moment.weekday() < 5 and moment < end:
                    self.poll(moment, items)
            day += timedelta(days=1)
        return self.tally
