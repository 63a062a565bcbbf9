"""A report's data made by hand through ``probes.report.data.build_report_data``: a scored
round of three cities (广州 and 深圳 ranked, 北京 incomplete), probes and threads, offline
results, portal text carrying markup (``EVIL``). ``make_data(**overrides)`` is the whole; the
other builders make one row each."""

from __future__ import annotations

from typing import Any

from probes.plan.indicators import load_indicators
from probes.report.data import build_report_data

SYSTEM = load_indicators()
ITEMS = [item.id for item in SYSTEM.items]
HARDWARE_ITEMS = {item.id for item in SYSTEM.indicator("hardware").items} | {"rating"}


# A 1x1 PNG.
PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4"
    "DwABBAEAHnOcQAAAAABJRU5ErkJggg=="
)
EVIL = "<script>alert('x')</script>"
GUIDE_URL = "https://banshi.example.gov.cn/guide?id=1&next=<b>"


def city_score(city: str, name: str, region: str, score: float | None, rank: int | None, **kw):
    items = {i: (None if i in HARDWARE_ITEMS else score) for i in ITEMS}
    row = {
        "city": city,
        "name": name,
        "region": region,
        "score": score,
        "rank": rank,
        "indicators": {
            "guide": score,
            "hardware": None,
            "handling": score,
            "interaction": score,
        },
        "items": items,
        "complete": rank is not None,
        "excluded": [],
    }
    row.update(kw)
    return row


def probe(city: str, matter: str, channel: str = "pc", **kw) -> dict[str, Any]:
    row = {
        "city": city,
        "scenario": "beauty-salon",
        "matter": matter,
        "channel": channel,
        "outcome": "ok",
        "reason": "",
        "guide_url": GUIDE_URL,
        "screenshot": PNG,
        "elements": {"事项名称": "公共场所卫生许可", "收费标准": "不收费"},
        "missing": ["设定依据"],
    }
    row.update(kw)
    return row


def thread(city: str, kind: str = "consult", **kw) -> dict[str, Any]:
    row = {
        "city": city,
        "kind": kind,
        "scenario": "beauty-salon",
        "title": "咨询开办美容院办理公共场所卫生许可证事宜",
        "question": "请问需要哪些材料？",
        "ticket": "ZX-001",
        "submitted_at": "2026-11-02 10:00",
        "reply_text": "您好，需要营业执照。",
        "replied_at": "2026-11-04 09:00",
        "working_days": 2,
        "timeliness": "on_time",
        "effectiveness": "partly",
        "effectiveness_source": "auto",
    }
    row.update(kw)
    return row


def score_json() -> dict[str, Any]:
    return {
        "national": {
            "score": 85.0,
            "indicators": {"guide": 85.0, "hardware": None, "handling": 85.0, "interaction": 85.0},
            "items": {i: (None if i in HARDWARE_ITEMS else 85.0) for i in ITEMS},
            "full_online_cities": {"beauty-salon": 1, "resident-insurance": 2},
        },
        "regions": [
            {"region": "华南", "score": 85.0, "best": "guangzhou", "worst": "shenzhen"},
            {"region": "华北", "score": None, "best": None, "worst": None},
        ],
        "cities": [
            city_score("guangzhou", "广州", "华南", 90.0, 1),
            city_score("shenzhen", "深圳", "华南", 80.0, 2),
            city_score(
                "beijing", "北京", "华北", 70.0, None, excluded=["beauty-salon/consult: missing"]
            ),
        ],
    }


NAMES = {
    "beauty-salon": "开办美容院",
    "resident-insurance": "城乡居民参保登记",
    "public-health-permit": "公共场所卫生许可",
    "enterprise-registration": "企业设立登记",
}


def make_data(**overrides: Any) -> dict[str, Any]:
    data = build_report_data(
        round_id="R20261129",
        round_time="2026-11-29 08:00",
        score=score_json(),
        system=SYSTEM,
        names=NAMES,
        probes=[
            probe("guangzhou", "public-health-permit"),
            probe(
                "guangzhou",
                "enterprise-registration",
                "mobile",
                outcome="guide_missing",
                guide_url=None,
                screenshot=None,
                elements={},
                missing=[],
            ),
            probe("shenzhen", "public-health-permit"),
        ],  # fmt: skip
        threads=[
            thread("guangzhou", reply_text=EVIL, effectiveness_source="evaluator"),
            thread(
                "guangzhou",
                "complaint",
                reply_text=None,
                replied_at=None,
                working_days=None,
                timeliness="no_reply",
                effectiveness=None,
                effectiveness_source=None,
            ),
            thread("shenzhen"),
        ],  # fmt: skip
        offline={
            "source": "offline.csv",
            "sample": True,
            "scores": {"guangzhou": 95.0, "shenzhen": 85.0, "beijing": 90.0},
            "indicators": {"guangzhou": {"guide": 96.0}},
            "weights": [0.5, 0.5],
            "materials_compared": 2,
            "material_differences": [
                {
                    "city": "shenzhen",
                    "matter": "public-health-permit",
                    "online_only": ["卫生检测报告"],
                    "offline_only": [EVIL],
                }
            ],
        },
    )
    data.update(overrides)
    return data
