"""A small hand-made sandbox world for the archetype tests.

Three sites, one per archetype this module's tests cover: a Guangdong-style site with two
regions (广州, 深圳), a Beijing-style site (北京) and a Zhejiang-style site with two cities
(杭州, 宁波). Each city shows, per channel, three target guides (one of them found only by
category navigation, one slow), decoys that share the targets' words, and noise.
"""

from __future__ import annotations

from sandbox.model import Behaviour, City, Guide, Material, Reply, Site, World

FULL_ELEMENTS = {
    "事项名称": "",  # replaced by the guide's name
    "实施编码": "11440100MB2C92324T4442111007000",
    "设定依据": "《公共场所卫生管理条例》第八条",
    "受理条件": "申请人为依法设立的经营者，场所符合卫生规范",
    "办理流程": "受理→审查→决定→送达",
    "法定办结时限": "20个工作日",
    "承诺办结时限": "5个工作日",
    "收费标准": "不收费",
    "办理地点": "市民服务中心一楼B区",
    "办理时间": "周一至周五 9:00-12:00，13:30-17:00",
    "咨询方式": "020-12345678",
    "监督投诉方式": "12345",
    "到办事现场次数": "0次",
    "是否网办": "是",
    "办理结果": "公共场所卫生许可证",
}

MATERIALS = (
    Material(
        "公共场所卫生许可申请表",
        form_url="/files/form/public-health-permit-apply.docx",
        sample_url="/files/sample/public-health-permit-apply.pdf",
    ),
    Material("营业执照", media="电子", copies="复印件1份", source="政府部门核发"),
    Material("卫生管理制度", required="容缺后补"),
    Material("从业人员健康合格证明", required="非必要"),
)


def _guide(
    city_id: str,
    channel: str,
    key: str,
    name: str,
    kind: str,
    matter: str | None,
    category: str,
    *,
    drop: tuple[str, ...] = (),
    blank: tuple[str, ...] = (),
    searchable: bool = True,
    latency_ms: int = 0,
    online_apply: bool = False,
    materials: tuple[Material, ...] = MATERIALS,
) -> Guide:
    elements = {k: v for k, v in FULL_ELEMENTS.items() if k not in drop}
    elements["事项名称"] = name
    for element in blank:
        elements[element] = "暂无"
    return Guide(
        guide_id=f"{city_id}-{key}",
        name=name,
        kind=kind,
        matter=matter,
        dept={"市场监管": "市市场监督管理局", "卫生健康": "市卫生健康委员会"}.get(
            category, "市人力资源和社会保障局"
        ),
        category=category,
        elements=elements,
        materials=materials,
        online_apply=online_apply,
        searchable=searchable,
        latency_ms=latency_ms,
    )


def city_guides(city_id: str, channel: str) -> tuple[Guide, ...]:
    """Targets, decoys and noise of one city on one channel, in the portal's own order."""
    g = _guide
    return (
        g(city_id, channel, "noise-1", "食品经营许可", "noise", None, "市场监管"),
        g(
            city_id,
            channel,
            "health-renew",
            "公共场所卫生许可（延续）",
            "decoy",
            "public-health-permit",
            "卫生健康",
        ),
        g(
            city_id,
            channel,
            "health",
            "公共场所卫生许可（新证）",
            "target",
            "public-health-permit",
            "卫生健康",
            drop=("到办事现场次数",),
            blank=("监督投诉方式",),
            online_apply=True,
            latency_ms=300,
        ),
        g(
            city_id,
            channel,
            "health-change",
            "公共场所卫生许可（变更）",
            "decoy",
            "public-health-permit",
            "卫生健康",
        ),
        g(
            city_id,
            channel,
            "company",
            "企业设立登记",
            "target",
            "enterprise-registration",
            "市场监管",
            online_apply=True,
        ),
        g(
            city_id,
            channel,
            "company-cancel",
            "企业注销登记",
            "decoy",
            "enterprise-registration",
            "市场监管",
        ),
        g(
            city_id,
            channel,
            "pension",
            "城乡居民基本养老保险参保登记",
            "target",
            "pension-registration",
            "社会保障",
            searchable=False,
            drop=("法定办结时限", "承诺办结时限"),
            materials=(),
        ),
        g(city_id, channel, "noise-2", "城乡居民养老保险待遇申领", "noise", None, "社会保障"),
        g(city_id, channel, "noise-3", "卫生许可证遗失补办公告", "noise", None, "卫生健康"),
    )


def _city(city_id: str, name: str, province: str, site_id: str, region_code: str) -> City:
    return City(
        city_id=city_id,
        name=name,
        province=province,
        region="华东",
        site_id=site_id,
        region_code=region_code,
        guides={ch: city_guides(city_id, ch) for ch in ("pc", "mobile")},
        behaviour=Behaviour(consult=Reply(2, "solved"), complaint=Reply(None, "not")),
    )


def small_world() -> World:
    cities = [
        _city("guangzhou", "广州", "广东省", "gdzwfw", "440100"),
        _city("shenzhen", "深圳", "广东省", "gdzwfw", "440300"),
        _city("beijing", "北京", "北京市", "bjzwfw", "110000000000"),
        _city("hangzhou", "杭州", "浙江省", "zjzwfw", "330100"),
        _city("ningbo", "宁波", "浙江省", "zjzwfw", "330200"),
    ]
    sites = [
        Site("gdzwfw", "广东政务服务网", "jsonapi", "https://www.gdzwfw.gov.cn/", ()),
        Site("bjzwfw", "北京市政务服务网", "listfw", "https://banshi.beijing.gov.cn/", ()),
        Site("zjzwfw", "浙江政务服务网", "zjsearch", "https://www.zjzwfw.gov.cn/", ()),
    ]
    sites = [
        Site(
            s.site_id,
            s.name,
            s.archetype,
            s.real_url,
            tuple(c.city_id for c in cities if c.site_id == s.site_id),
        )
        for s in sites
    ]
    return World(
        sites={s.site_id: s for s in sites},
        cities={c.city_id: c for c in cities},
    )


TARGETS = ("public-health-permit", "enterprise-registration", "pension-registration")
