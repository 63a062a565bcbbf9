"""The 互动交流 journey: reach 我要咨询 / 我要投诉, fill the form, submit, read 我的咨询.

A browser journey like the guide journey (it walks with the same ``PortalWalker``), but it
never decides on its own whether to send: ``probes/app/consult.py`` records the intent first and
passes ``before_click``, called right before each click that sends (the first, and after a
refusal the one corrected try), and reads the receipt this journey brings back. What this module knows is how portals look:

* the way in: a link named 我要咨询 (在线咨询, 我要留言, ...) on the page, else the interaction
  section (互动交流, 政民互动, ...) and the link there; the matter's guide page first when the
  guide round found one;
* a login wall (a password field): with a sandbox account the journey logs in (on the 个人 tab
  where a unified login offers 个人 / 法人, whatever the markup: placeholders, a script button);
  with a saved session (``govprobe login``) a wall means the session expired: ``blocked``,
  ``login_expired``;
* the form, filled as a person fills it: each text field by the words that label it
  (``field_role``: ``label for``, table cells, aria-label, placeholders, pinyin names), the
  selects and radio groups a person must set (``choice_role`` / ``choose_option``: the kind of
  letter being sent, the city's district, 不公开, the matter; any other required one: its first
  real option), agreement boxes ticked; a captcha stops the journey unless an evaluator solves
  it in a visible browser. A refusal is read (the red messages), the form corrected and sent
  once more, no more;
* the receipt: a ticket (受理编号, 查询码, 业务编号, 信件编号, ...) and the portal's time; a
  portal's 请勿重复提交 means an earlier click arrived (``Attempt.duplicate``);
* the list (我的咨询 / 我的投诉 / 我的信件): captured, then judged. The journey keeps the list
  page's HTML as the browser holds it (``page.content()``: evidence ``list_html``) and reads
  it with ``probes/judge/replies.py`` (a table by its headers, or blocks that carry an item's
  ticket or title), as a poll's judgement and ``govprobe rejudge`` read it; where the list
  does not show a wanted item's reply, it opens the item's detail page (its link, or clicks
  the link the judged row points at) and keeps and reads that page too (``detail_html``).

The pure parts (``field_role``, ``choice_role``, ``choose_option``, ``parse_receipt``) are
tested without a browser, as ``probes/judge/replies.py`` is.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from probes.judge.replies import (  # noqa: F401 - the list rules' names, as tests import them
    TICKET,
    ListPage,
    ListRow,
    is_list,
    match_row,
    merge_rows,
    needs_detail,
    parse_portal_time,
    read_card,
    read_detail,
    read_detail_page,
    read_list_page,
    read_rows,
    same_row,
    same_title,
    says_replied,
    squash,
    wanted_row,
    with_detail,
)
from probes.model import EvidenceRef, Step
from probes.net.signs import PortalFailure, classify_error
from probes.outcomes import Outcome
from probes.walk import scripts as js
from probes.walk.walker import PortalWalker, Trace

ENTRY = {
    "consult": re.compile(
        r"^(我要咨询|在线咨询|咨询留言|我要留言|留言咨询|政务咨询|咨\s*询|我要写信|在线写信|网上写信)$"
    ),
    "complaint": re.compile(
        r"^(我要投诉|在线投诉|投诉举报|我要举报|投\s*诉|我要写信|在线写信|网上写信)$"
    ),
}


LISTS = {
    "consult": re.compile(r"^(我的咨询|我的留言|咨询记录|我的信件|留言查询|咨询查询|我的诉求)$"),
    "complaint": re.compile(r"^(我的投诉|投诉记录|我的信件|投诉查询|信件查询|我的诉求)$"),
}


SECTION = re.compile(r"^(互动交流|政民互动|互动|咨询投诉|政务咨询|互动服务|公众参与)$")


RATING = re.compile(r"(好差评|服务评价|我要评价)")


LOGIN_LINK = re.compile(r"^(登录|用户登录|个人登录|请登录)$")


LOGIN_BUTTON = re.compile(r"^\s*(立即|马上|安全|账号|用户)?登\s*录(系统)?\s*$")


# Field roles by the words that label them, the first match winning (so 联系人姓名 is a name,
# 联系电话 a phone, 所属事项 the matter, 信件标题 the title).
FIELD_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("captcha", re.compile(r"验证码|校验码|captcha|yzm", re.I)),
    ("email", re.compile(r"邮箱|e-?mail", re.I)),
    ("phone", re.compile(r"手机|电话|联系方式|mobile|phone|tel", re.I)),
    ("matter", re.compile(r"事项")),
    ("title", re.compile(r"标题|主题|题目|subject|title", re.I)),
    ("contact", re.compile(r"姓名|联系人|称呼|name", re.I)),
    ("content", re.compile(r"内容|描述|问题|诉求|意见|详情|content|question", re.I)),
)


# Text fields by their (pinyin) input names, where no words label them: xjbt 信件标题, ...
PINYIN_FIELDS = {
    "xjbt": "title", "bt": "title", "lybt": "title", "zxbt": "title", "tsbt": "title",
    "xjnr": "content", "nr": "content", "lynr": "content", "zxnr": "content", "tsnr": "content",
    "sqnr": "content", "wtms": "content",
    "xm": "contact", "lxr": "contact", "lxrxm": "contact", "zsxm": "contact",
    "lxdh": "phone", "dh": "phone", "sj": "phone", "sjh": "phone", "sjhm": "phone",
    "lxfs": "phone", "yddh": "phone",
    "yx": "email", "dzyx": "email", "yzm": "captcha", "sjsx": "matter", "sx": "matter",
}  # fmt: skip


# Selects and radio groups by what they ask, the first match winning: 是否公开, the kind of
# message (信件类型 / 留言类型), the district (所属区域), the matter; anything else is "other"
CHOICE_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("public", re.compile(r"公开")),
    ("kind", re.compile(r"类型|类别|分类|性质|目的|种类")),
    (
        "region",
        re.compile(r"区域|地区|区县|县区|所属区|辖区|行政区|所在地|属地|区划|地域|发生地|街道"),
    ),
    ("matter", re.compile(r"事项")),
)


PINYIN_CHOICES = {
    "xjlx": "kind", "lylx": "kind", "lx": "kind", "sqlx": "kind", "xjfl": "kind", "type": "kind",
    "ssqy": "region", "qy": "region", "qx": "region", "area": "region", "region": "region",
    "sfgk": "public", "gk": "public", "public": "public", "ispublic": "public",
    "sjsx": "matter",
}  # fmt: skip


KIND_WORDS = {"consult": re.compile(r"咨询"), "complaint": re.compile(r"投诉|举报")}


PUBLIC_NO = re.compile(r"^(不公开|否|不同意公开|不予公开|不愿公开|保密)$")


AGREEMENT = re.compile(r"同意|已阅读|已阅|阅读并|知悉|承诺|须知|协议|声明|条款")


PLACEHOLDER_OPTION = re.compile(r"^(请选择.*|请先选择.*|--.*|—.*|==.*|选择.*|全部|)$")


DUPLICATE = re.compile(r"请勿重复提交|重复提交|已提交过相同|不要重复(提交|来信)")


TIME_LABEL = r"(提交时间|留言时间|写信时间|受理时间|咨询时间|投诉时间|时间)"


SUCCESS = re.compile(r"(提交成功|留言成功|已提交|受理成功|发送成功|写信成功|已收到您的)")


REFUSED = re.compile(r"(请填写|不能为空|错误|有误|格式不正确|请输入|提交失败)")


TEXTLESS = frozenset({"select", "radio", "checkbox", "combobox"})  # DESCRIBE_FORM's choices


class LoginRequired(PortalFailure):
    """A login wall where the journey has no way to log in (no account, or a session expired)."""


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _tokens(name: str) -> list[str]:
    """An input name's parts: ``txtXjbt`` -> txt, xjbt; ``f_lxdh`` -> f, lxdh."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name or "")
    return [t.lower() for t in re.split(r"[^A-Za-z0-9]+", spaced) if t]


def _by_name(name: str, table: dict[str, str]) -> str | None:
    whole = (name or "").strip().lower()
    if whole in table:
        return table[whole]
    return next((table[t] for t in _tokens(name) if t in table), None)


def field_role(
    label: str, *, tag: str = "input", type_: str = "text", name: str = ""
) -> str | None:
    """What a text field asks for, from the words that label it, else its input name (pinyin
    names too: xjbt 信件标题, lxdh 联系电话); a bare textarea is the message's content.
    ``None``: a field the journey does not fill."""
    # the name speaks only where no Chinese words do (所在单位 named companyName is no name)
    worded = bool(re.search(r"[\u4e00-\u9fff]", label or ""))
    for words in (_fold(label), "" if worded else _fold(name)):
        for role, pattern in FIELD_ROLES:
            if words and pattern.search(words):
                return role
    by_name = _by_name(label, PINYIN_FIELDS) or (None if worded else _by_name(name, PINYIN_FIELDS))
    if by_name:
        return by_name
    if tag == "textarea":
        return "content"
    if type_ == "tel":
        return "phone"
    if type_ == "email":
        return "email"
    return None


def choice_role(label: str, name: str = "") -> str:
    """What a select or radio group asks: ``public`` (是否公开), ``kind`` (信件类型, 留言类型),
    ``region`` (所属区域), ``matter`` (涉及事项), else ``other``."""
    text = _fold(label)
    if re.search(r"证件|证照", text):
        return "other"
    for role, pattern in CHOICE_ROLES:
        if pattern.search(text):
            return role
    return _by_name(name, PINYIN_CHOICES) or _by_name(label, PINYIN_CHOICES) or "other"


def _placeholder_option(option: dict) -> bool:
    text = _fold(option.get("text", ""))
    return bool(PLACEHOLDER_OPTION.match(text)) or (
        option.get("value") == "" and option.get("k") == 0
    )


def _bigrams(text: str) -> set[str]:
    text = _fold(text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def choose_option(
    options: Sequence[dict],
    role: str,
    *,
    kind: str,
    city: str = "",
    matter: str = "",
    placeholders: bool = True,
) -> int | None:
    """The option (its ``k``) a person picks for a select or radio group of this role: the kind
    being sent (咨询, or 投诉 / 举报; none other, since a message filed under the wrong kind is
    worse than one refused), 不公开 where offered, the district that names the city, the option
    nearest the matter; else the first real option (never 请选择). ``None``: nothing fits."""
    real = [
        o
        for o in options
        if not o.get("disabled") and not (placeholders and _placeholder_option(o))
    ]
    if not real:
        return None
    if role == "kind":
        want = KIND_WORDS.get(kind)
        hit = next((o for o in real if want and want.search(_fold(o.get("text", "")))), None)
        return None if hit is None else hit["k"]
    if role == "public":
        hit = next((o for o in real if PUBLIC_NO.match(_fold(o.get("text", "")))), None)
        return (hit or real[0])["k"]
    if role == "region" and city:
        hit = next((o for o in real if _fold(city) in _fold(o.get("text", ""))), None)
        return (hit or real[0])["k"]
    if role == "matter" and matter:
        want = _bigrams(matter)
        best = max(real, key=lambda o: len(want & _bigrams(o.get("text", ""))))
        return best["k"]
    return real[0]["k"]


def is_agreement(label: str) -> bool:
    """A box a person ticks before sending (我已阅读并同意《…须知》, 本人承诺…), and not one
    that publishes the message (同意公开)."""
    text = _fold(label)
    return bool(AGREEMENT.search(text)) and "公开" not in text


_ASKS = re.compile(
    r"^(投诉件|咨询件|建议件)?(请先?|必须|需)(选择|填写|输入|勾选|阅读并?同意|阅读|确认|上传)"
)


_ASKS_END = re.compile(r"(不能为空|为必填项?|必须填写|必填|未填写|未选择|[！!。.，,（(].*)$")


def mentioned(label: str, messages: Sequence[str]) -> bool:
    """Whether a refusal's messages speak of this field (请选择所属区域, 所属区域不能为空)."""
    core = re.sub(r"[（(].*?[)）]", "", _fold(label))
    if len(core) < 2:
        return False
    for message in messages:
        text = _fold(message)
        if core in text:
            return True
        asked = _ASKS_END.sub("", _ASKS.sub("", text))
        if len(asked) >= 2 and asked in core:
            return True
    return False


def is_duplicate(text: str) -> bool:
    """The portal says this message was sent already (请勿重复提交): an earlier click arrived."""
    return bool(DUPLICATE.search(unicodedata.normalize("NFKC", text or "")))


@dataclass(frozen=True)
class Receipt:
    ticket: str | None
    submitted_at: str | None  # ISO, China time, as the portal shows it
    success_words: bool  # the page says it was received (提交成功, ...)


def parse_receipt(text: str) -> Receipt:
    """The ticket and time a receipt page shows."""
    text = unicodedata.normalize("NFKC", text or "")
    ticket = TICKET.search(text)
    when = None
    for m in re.finditer(TIME_LABEL + r"\s*[:：]?\s*", text):
        when = parse_portal_time(text[m.end() : m.end() + 40])
        if when:
            break
    return Receipt(ticket.group(2) if ticket else None, when, bool(SUCCESS.search(text)))


@dataclass(frozen=True)
class Account:
    """A portal account the journey may log in with (the sandbox's test account)."""

    username: str
    password: str


@dataclass(frozen=True)
class Contact:
    """Who the message is from: what the form's name and phone fields get."""

    name: str
    phone: str
    email: str = ""


@dataclass(frozen=True)
class Letter:
    """What one item sends."""

    kind: str  # consult | complaint
    title: str
    content: str
    matter_name: str


@dataclass
class Attempt:
    """What one submission (or reconciliation) found; ``consult.py`` stores it."""

    outcome: Outcome = Outcome.OK
    reason: str = ""
    sent: bool = False  # the sending click happened
    ticket: str | None = None
    submitted_at: str | None = None
    receipt_text: str = ""
    rating_entry: bool | None = None
    form_url: str | None = None
    list_url: str | None = None
    # the portal refused it as one it already has (请勿重复提交): an earlier click arrived
    duplicate: bool = False
    evidence: list[tuple[str, EvidenceRef]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    # a list read: the page its rows were judged from, and each completed row's detail page
    # (by the row's place in the rows read_list returns)
    list_page: EvidenceRef | None = None
    detail_pages: dict[int, EvidenceRef] = field(default_factory=dict)


class InteractionJourney(PortalWalker):
    """One city's portal (PC), one browser context: submit items and read their lists."""

    def __init__(
        self,
        *args,
        account: Account | None = None,
        session_note: str = "",
        solve_captcha_s: float = 0.0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.account = account
        self.session_note = session_note  # how to renew a saved session, for the message
        self.solve_captcha_s = solve_captcha_s  # > 0: a person solves captchas (--headed)
        self._rating: bool | None = None  # a 好差评 entry seen on the portal (once per portal)
        self._forms: dict[str, str] = {}  # kind -> the form's address, once reached
        self._lists: dict[str, str] = {}  # kind -> 我的咨询 / 我的投诉's address, once seen

    @property
    def rating_entry(self) -> bool | None:
        """Whether this portal offers a 好差评 entry; None until a journey has looked."""
        return self._rating

    # -- finding things -------------------------------------------------------------------

    async def _click_link(self, page: Page, pattern: re.Pattern[str], trace: Trace) -> Page | None:
        for frame, item in await self._links(page):
            text = _fold(item["text"])
            if len(text) <= 12 and pattern.search(text):
                started = time.monotonic()
                before = self._mark(page)
                try:
                    await frame.locator(f"[data-govprobe-link='{item['i']}']").first.click(
                        timeout=5000
                    )
                except PlaywrightError:
                    continue
                page = await self._follow(page, before, expect_tab=item.get("target") == "_blank")
                await self._pass_challenge(page)
                await self._check_portal(page)
                trace.add("open", item["text"], page.url, started)
                return page
        return None

    async def _has_link(self, page: Page, pattern: re.Pattern[str]) -> bool:
        return any(
            len(_fold(item["text"])) <= 12 and pattern.search(_fold(item["text"]))
            for _f, item in await self._links(page)
        )

    async def _login_wall(self, page: Page) -> bool:
        try:
            return await page.locator("input[type=password]").filter(visible=True).count() > 0
        except PlaywrightError:
            return False

    async def _log_in(self, page: Page, trace: Trace) -> Page:
        """Pass a login wall with the account, or end the journey saying how to renew. As a
        person does: on the 个人 tab of a unified login that also has 法人, the user box nearest
        the password (labelled or not), an agreement ticked, the 登录 button whatever its type
        (one that posts by script and moves on by script is waited for)."""
        if self.account is None:
            if self.session_note:
                raise LoginRequired(
                    Outcome.BLOCKED, f"login_expired: 登录已失效, {self.session_note}"
                )
            raise LoginRequired(
                Outcome.BLOCKED,
                "login_required: 该门户需要登录; 先运行 govprobe login --city 城市 保存登录状态",
            )
        started = time.monotonic()
        with contextlib.suppress(PlaywrightError):
            tab = await page.evaluate(js.MARK_LOGIN_TAB)
            if tab and not tab.get("active"):
                before = self._mark(page)
                await page.locator("[data-govprobe-tab='1']").first.click(timeout=5000)
                page = await self._follow(page, before)
                trace.add("login_tab", tab["text"], page.url, started)
        password = page.locator("input[type=password]").filter(visible=True).first
        text_inputs = "input:not([type]), input[type=text], input[type=tel], input[type=email]"
        form = password.locator("xpath=ancestor::form[1]")
        if await form.count():
            scope = form
        else:  # no form: the nearest box around the password that holds a text input too
            scope = password.locator(
                "xpath=ancestor::*[.//input[not(@type) or @type='text' or @type='tel'"
                " or @type='email']][1]"
            )
            if not await scope.count():
                scope = page.locator("body")
        users = scope.locator(text_inputs).filter(visible=True)
        user = None
        for n in range(await users.count()):
            candidate = users.nth(n)
            hint = " ".join(
                [
                    await candidate.get_attribute("placeholder") or "",
                    await candidate.get_attribute("name") or "",
                ]
            )
            if not CAPTCHA_WORDS.search(hint) and "captcha" not in hint.lower():
                user = candidate
                break
        if user is None:
            raise PortalFailure(Outcome.PROBE_ERROR, "login form: no user name field recognised")
        await user.fill(self.account.username, timeout=5000)
        await password.fill(self.account.password, timeout=5000)
        boxes = scope.locator("input[type=checkbox]").filter(visible=True)
        for n in range(await boxes.count()):
            box = boxes.nth(n)
            around = await box.evaluate(
                "e => (e.closest('label') || e.parentElement || e).innerText || ''"
            )
            if is_agreement(around) and not await box.is_checked():
                with contextlib.suppress(PlaywrightError):
                    await box.check(timeout=3000)
        before = self._mark(page)
        button = scope.locator("button, a, [role=button], [onclick], span, div").filter(
            has_text=LOGIN_BUTTON, visible=True
        )
        typed = scope.locator(
            "input[type=submit][value*='登'], input[type=button][value*='登']"
        ).filter(visible=True)
        clickable = None
        for candidates in (button, typed):
            count = await candidates.count()
            if count:  # the innermost element that says 登录
                clickable = candidates.nth(count - 1) if candidates is button else candidates.first
                break
        if clickable is not None:
            await clickable.click(timeout=5000)
        else:
            await password.press("Enter")
        page = await self._follow(page, before)
        await self._pass_challenge(page)
        deadline = time.monotonic() + 8
        while await self._login_wall(page) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)  # a script that logs in by fetch, then moves on
        await self._settle(page)
        await self._pass_challenge(page)
        if await self._login_wall(page):
            raise PortalFailure(Outcome.BLOCKED, "login_refused: 门户拒绝了测试账号的登录")
        trace.add("login", self.account.username, page.url, started)
        return page

    async def _after_step(self, page: Page, trace: Trace) -> Page:
        await self._dismiss_overlays(page, trace)
        if await self._login_wall(page):
            page = await self._log_in(page, trace)
            await self._dismiss_overlays(page, trace)
        return page

    async def _reach(
        self, page: Page, pattern: re.Pattern[str], trace: Trace, done: Callable
    ) -> Page | None:
        """Follow a link matching ``pattern`` here, or in the interaction section, until
        ``done(page)`` says the journey is where it wants to be."""
        for _ in range(3):
            if await done(page):
                return page
            nxt = await self._click_link(page, pattern, trace)
            if nxt is None:
                nxt = await self._click_link(page, SECTION, trace)
                if nxt is None:
                    return None
            page = await self._after_step(nxt, trace)
        return page if await done(page) else None

    async def _on_form(self, page: Page) -> bool:
        try:
            described = await page.evaluate(js.DESCRIBE_FORM)
        except PlaywrightError:
            return False
        if not described:
            return False
        roles = {
            field_role(f["label"], tag=f["tag"], type_=f["type"], name=f.get("name", ""))
            for f in described["fields"]
            if f["tag"] not in TEXTLESS
        }
        return "content" in roles and ("title" in roles or "phone" in roles)

    async def _listing(
        self, page: Page, wanted: Sequence[tuple[str | None, str]] = ()
    ) -> tuple[str, ListPage]:
        """The page's HTML as the browser holds it now, and what it reads as a list."""
        html = await page.content()
        return html, read_list_page(html, page.url, wanted)

    async def _on_list(self, page: Page) -> bool:
        """A list of one's messages (``probes/judge/replies.py``: a table headed by title or
        ticket and status or reply, blocks that carry a ticket, or a page named 我的信件 that
        says it has none yet)."""
        try:
            return (await self._listing(page))[1].is_list
        except PlaywrightError:
            return False

    async def _start(self, trace: Trace, url: str | None = None) -> Page:
        page = await self._new_page()
        if url is None:
            await self._arrive(page, trace)
        else:
            started = time.monotonic()
            await page.goto(url, wait_until="domcontentloaded", timeout=self.config.nav_timeout_ms)
            await self._pass_challenge(page)
            await self._check_portal(page)
            trace.add("goto", url, page.url, started)
        return await self._after_step(page, trace)

    # -- public ---------------------------------------------------------------------------

    async def submit(
        self,
        letter: Letter,
        contact: Contact,
        *,
        send: bool,
        before_click: Callable[[], Awaitable[None]],
        guide_url: str | None = None,
    ) -> Attempt:
        """Reach the form, fill it, and (``send``) click once, calling ``before_click`` first.
        Never raises: every failure is an outcome, and ``sent`` says whether the click was made."""
        attempt = Attempt()
        trace = Trace()
        try:
            await self._submit(letter, contact, send, before_click, guide_url, trace, attempt)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            attempt.outcome, attempt.reason = classify_error(exc)
        finally:
            attempt.steps = list(trace.steps)
            await self._close_pages()
        return attempt

    async def _submit(self, letter, contact, send, before_click, guide_url, trace, attempt):
        page = None
        known = self._forms.get(letter.kind)
        if known:  # the entry this portal's form was reached by before: straight there
            with contextlib.suppress(PortalFailure, PlaywrightError):
                page = await self._start(trace, known)
                if not await self._on_form(page):
                    page = None
                    await self._close_pages()
        if page is None and guide_url and letter.kind == "consult":  # from the matter's guide
            with contextlib.suppress(PortalFailure, PlaywrightError):
                page = await self._start(trace, guide_url)
                page = await self._reach(page, ENTRY[letter.kind], trace, self._on_form)
                if page is None:
                    await self._close_pages()
        if page is None:
            page = await self._start(trace)
            if self._rating is None:  # once per portal: the home page, else the section
                self._rating = await self._has_link(page, RATING)
                if not self._rating:
                    section = await self._click_link(page, SECTION, trace)
                    if section is not None:
                        page = await self._after_step(section, trace)
                        self._rating = await self._has_link(page, RATING)
            page = await self._reach(page, ENTRY[letter.kind], trace, self._on_form)
        if page is None:
            raise PortalFailure(
                Outcome.GUIDE_MISSING,
                f"no_entry: 未找到{'我要咨询' if letter.kind == 'consult' else '我要投诉'}入口",
            )
        if not self._rating:
            self._rating = await self._has_link(page, RATING) or self._rating
        attempt.rating_entry = self._rating
        attempt.form_url = self._forms[letter.kind] = page.url
        hints: list[str] = []  # what the portal said when it refused the first time
        for sending in (1, 2):  # the first try, and at most one corrected one
            started = time.monotonic()
            described = await page.evaluate(js.DESCRIBE_FORM)
            if not described:
                raise PortalFailure(Outcome.PROBE_ERROR, "the form is gone after its refusal")
            filled, captcha = await self._fill(page, described, letter, contact, hints)
            trace.add("fill" if sending == 1 else "correct", "; ".join(filled), page.url, started)
            if captcha is None and described.get("captcha_image"):
                captcha = page.locator("input[name*=captcha i], input[name*=yzm i]").first
            shot = await self._full_shot(page)
            if shot:
                attempt.evidence.append(("form", shot))
            if captcha is not None:
                if self.solve_captcha_s <= 0:
                    raise PortalFailure(Outcome.BLOCKED, "captcha: 提交需要验证码, 未提交")
                await self._wait_for_person(captcha, trace)
            if not send:
                attempt.outcome, attempt.reason = Outcome.OK, "dry_run: 已填写, 未提交"
                return
            if not described.get("submit"):
                raise PortalFailure(Outcome.PROBE_ERROR, "no submit button recognised on the form")
            invalid = await self._invalid(page, described)
            if invalid:  # the browser itself would refuse: nothing is sent, correct first
                if sending == 2:
                    raise PortalFailure(Outcome.PROBE_ERROR, "form refused: " + "; ".join(invalid))
                trace.add("refused", "; ".join(invalid), page.url, started)
                hints = invalid
                continue
            shown_before: list[str] = []  # red words there before the first click: no refusal
            with contextlib.suppress(PlaywrightError):
                shown_before = await page.evaluate(js.FORM_ERRORS)
                await page.evaluate("() => { window.__govprobeSent = 1; }")
            await before_click()
            started = time.monotonic()
            before = self._mark(page)
            attempt.sent = True
            await page.locator("[data-govprobe-submit='1']").first.click(timeout=8000)
            page = await self._follow(page, before)
            text = await self._text(page, 8000)
            receipt = parse_receipt(text)
            trace.add("submit", described["submit"], page.url, started)
            attempt.receipt_text = text[:2000]
            attempt.ticket, attempt.submitted_at = receipt.ticket, receipt.submitted_at
            if not receipt.ticket and is_duplicate(text):
                # the portal has this very message already: an earlier click arrived. It is not
                # a new one; the caller finds it in the list (never counted as sent now)
                attempt.duplicate = True
                attempt.reason = "duplicate: 门户提示请勿重复提交, 此前的提交已送达"
                shot = await self._full_shot(page)
                if shot:
                    attempt.evidence.append(("form", shot))
                return
            if receipt.ticket or receipt.success_words:
                shot = await self._full_shot(page)
                if shot:
                    attempt.evidence.append(("receipt", shot))
                attempt.list_url = self._lists.get(letter.kind)
                if attempt.list_url is None:
                    list_page = await self._click_link(page, LISTS[letter.kind], trace)
                    if list_page is not None and not await self._login_wall(list_page):
                        attempt.list_url = self._lists[letter.kind] = list_page.url
                return
            errors = []
            with contextlib.suppress(PlaywrightError):
                errors = await page.evaluate(js.FORM_ERRORS)
                if sending == 1 and await page.evaluate("() => !!window.__govprobeSent"):
                    errors = [e for e in errors if e not in shown_before]  # the same page
            if await self._on_form(page) and (errors or REFUSED.search(text[:1000])):
                # refused and shown again: nothing was received (our filling, or a captcha)
                attempt.sent = False
                message = "; ".join(errors) or REFUSED.search(text[:1000]).group(0)
                shot = await self._full_shot(page)
                if shot:
                    attempt.evidence.append(("form", shot))
                if CAPTCHA_WORDS.search(message):
                    raise PortalFailure(Outcome.BLOCKED, f"captcha: {message}")
                if sending == 2:
                    raise PortalFailure(
                        Outcome.PROBE_ERROR, f"form refused after correcting it: {message}"
                    )
                trace.add("refused", message, page.url, started)
                hints = errors or [message]
                continue
            raise PortalFailure(Outcome.TIMEOUT, "no receipt: 提交后未见受理编号或提交成功提示")

    async def _invalid(self, page: Page, described: dict) -> list[str]:
        """What the browser would refuse to send ("label: message"), before any click."""
        try:
            found = await page.evaluate(js.FORM_VALIDITY)
        except PlaywrightError:
            return []
        labels = {f["i"]: f.get("label", "") for f in described["fields"]}
        return [f"{labels.get(v['i'], '')}：{v['message']}".lstrip("：") for v in found]

    async def _fill(
        self, page: Page, described: dict, letter: Letter, contact: Contact, hints: list[str]
    ) -> tuple[list[str], object | None]:
        """Fill the form as a person does: text fields by role; the selects and radio groups a
        person sets (the kind being sent, 不公开, the district, the matter; any other that is
        required or that a refusal named: its first real option); agreement boxes ticked.
        Returns what was filled (for the trace) and the captcha field, if any."""
        values = {
            "title": letter.title,
            "content": letter.content,
            "matter": letter.matter_name,
            "contact": contact.name,
            "phone": contact.phone,
            "email": contact.email,
        }
        filled: list[str] = []
        captcha = None
        chooses = dict(kind=letter.kind, city=self.city_name, matter=letter.matter_name)
        for f in described["fields"]:
            tag, label = f["tag"], f.get("label") or ""
            named = label or f.get("name") or tag
            # a field the portal's refusal spoke of (its red message, or one naming it)
            flagged = bool(f.get("error")) or mentioned(label, hints)
            must = bool(f.get("required")) or flagged
            locator = page.locator(f"[data-govprobe-field='{f['i']}']").first
            if tag not in TEXTLESS:
                role = field_role(label, tag=tag, type_=f["type"], name=f.get("name", ""))
                if role == "captcha":
                    captcha = locator
                elif role and values.get(role):
                    await locator.fill(values[role], timeout=5000)
                    filled.append(f"{named}→{role}")
                continue
            role = choice_role(label, f.get("name", ""))
            if tag == "checkbox":
                if (is_agreement(label) or flagged) and not f.get("checked"):
                    await self._tick(locator, f.get("via_label", False))
                    filled.append(f"{named}→☑")
                continue
            if tag == "select":
                options = f["options"]
                if role == "other" and not must:
                    continue
                k = choose_option(options, role, **chooses)
                if k is None:
                    continue
                if not any(o["k"] == k and o.get("selected") for o in options):
                    await locator.select_option(index=k, timeout=5000)
                filled.append(f"{named}→{options[k]['text']}")
                continue
            if tag == "radio":
                options = f["options"]
                checked = any(o.get("checked") for o in options)
                if role not in ("kind", "public") and not (must and not checked):
                    continue
                k = choose_option(options, role, placeholders=False, **chooses)
                if k is None:
                    continue
                option = next(o for o in options if o["k"] == k)
                if not option.get("checked"):
                    mark = page.locator(f"[data-govprobe-option='{f['i']}-{k}']").first
                    await self._tick(mark, option.get("via_label", False))
                filled.append(f"{named}→{option['text']}")
                continue
            if tag == "combobox":
                chosen = f.get("text") and not _placeholder_option({"text": f["text"], "k": 1})
                if (role == "other" and not must) or (chosen and not flagged and role != "kind"):
                    continue
                picked = await self._pick(page, locator, f, role, chooses)
                if picked:
                    filled.append(f"{named}→{picked}")
        return filled, captcha

    async def _tick(self, locator, via_label: bool) -> None:
        """Check a box or a radio (a native one, or role=checkbox / radio); where the input is
        hidden behind its label, click the label as a person does."""
        if via_label:
            await locator.click(timeout=5000)
            return
        try:
            await locator.check(timeout=3000)
        except PlaywrightError:
            await locator.click(timeout=5000, force=True)

    async def _pick(self, page: Page, locator, field: dict, role: str, chooses: dict) -> str:
        """Open a custom select, pick the option a person picks, and say which."""
        await locator.click(timeout=5000)
        options: list[dict] = []
        for _ in range(10):  # the list may render a moment after the click
            options = await page.evaluate(js.LIST_OPTIONS, field.get("controls") or "")
            if options:
                break
            await asyncio.sleep(0.15)
        k = choose_option(options, role, **chooses)
        if k is None:
            with contextlib.suppress(PlaywrightError):
                await page.keyboard.press("Escape")
            return ""
        await page.locator(f"[data-govprobe-choice='{k}']").first.click(timeout=5000)
        await asyncio.sleep(0.1)
        return next(o["text"] for o in options if o["k"] == k)

    async def _wait_for_person(self, captcha, trace: Trace) -> None:
        """--headed: the evaluator types the captcha in the visible browser; wait for it."""
        started = time.monotonic()
        with contextlib.suppress(PlaywrightError):
            await captcha.focus()
        deadline = time.monotonic() + self.solve_captcha_s
        while time.monotonic() < deadline:
            with contextlib.suppress(PlaywrightError):
                if len((await captcha.input_value()).strip()) >= 4:
                    trace.add("captcha", "solved by a person", captcha.page.url, started)
                    return
            await asyncio.sleep(0.3)
        raise PortalFailure(Outcome.BLOCKED, "captcha: 验证码未在限定时间内填写, 未提交")

    async def _full_shot(self, page: Page) -> EvidenceRef | None:
        try:
            data = await page.screenshot(
                type="jpeg", quality=self.config.jpeg_quality, full_page=True, timeout=8000
            )
        except PlaywrightError:
            return None
        return self.evidence.put(data, "image/jpeg")

    async def read_list(
        self,
        kind: str,
        list_url: str | None = None,
        wanted: Sequence[tuple[str | None, str]] = (),
    ) -> tuple[Attempt, list]:
        """Open 我的咨询 / 我的投诉 / 我的信件 (directly when its address is known) and read
        its rows, from a table or from blocks (cards); for the ``wanted`` items (ticket, title)
        whose reply or ticket the list does not show, their detail pages too."""
        attempt = Attempt()
        trace = Trace()
        rows: list[ListRow] = []
        try:
            page = None
            if list_url:
                with contextlib.suppress(PlaywrightError, PortalFailure):
                    page = await self._start(trace, list_url)
                    if not await self._on_list(page):
                        page = None
                        await self._close_pages()
            if page is None:
                page = await self._start(trace)
                page = await self._reach(page, LISTS[kind], trace, self._on_list)
            if page is None:
                raise PortalFailure(Outcome.GUIDE_MISSING, "no_list: 未找到我的咨询/我的投诉")
            attempt.list_url = page.url
            started = time.monotonic()
            html, listing = await self._listing(page, wanted)
            rows = list(listing.rows)
            attempt.list_page = self.evidence.put(html.encode(), "text/html")
            attempt.evidence.append(("list_html", attempt.list_page))
            shot = await self._full_shot(page)
            if shot:
                attempt.evidence.append(("list", shot))
            trace.add("read_list", f"{len(rows)} rows", page.url, started)
            for n, row in enumerate(rows):
                if wanted_row(row, wanted) and needs_detail(row):
                    html = await self._detail(page, row, wanted, trace)
                    if html is not None:
                        ref = self.evidence.put(html.encode(), "text/html")
                        attempt.evidence.append(("detail_html", ref))
                        attempt.detail_pages[n] = ref
                        rows[n] = with_detail(row, read_detail_page(html))
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            attempt.outcome, attempt.reason = classify_error(exc)
        finally:
            attempt.steps = list(trace.steps)
            await self._close_pages()
        return attempt, rows

    async def _detail(self, page: Page, row: ListRow, wanted, trace: Trace) -> str | None:
        """The HTML of the row's detail page (a link of its own: opened beside the list; a link
        that works by script: the one the row was read from clicked, the page taken, and back).
        ``None``: no detail page could be had, and the row stays as the list showed it."""
        started = time.monotonic()
        before = None
        try:
            if row.link:
                shown = await self._new_page()
                await shown.goto(
                    row.link, wait_until="domcontentloaded", timeout=self.config.nav_timeout_ms
                )
                await self._pass_challenge(shown)
                await self._check_portal(shown)
                shown = await self._after_step(shown, trace)
            else:
                link = await self._row_link(page, row, wanted)
                if link is None:
                    trace.add(
                        "read_detail", f"no link: {row.ticket or row.title}", page.url, started
                    )
                    return None
                before = self._mark(page)
                await link.click(timeout=5000)
                shown = await self._follow(page, before)
                shown = await self._after_step(shown, trace)
            html = await shown.content()
            url = shown.url
            if shown is not page:
                with contextlib.suppress(PlaywrightError):
                    await shown.close()
            elif before is not None and url != before.url:
                with contextlib.suppress(PlaywrightError):
                    await page.go_back(wait_until="domcontentloaded")
                    await self._settle(page)
        except (PlaywrightError, PortalFailure) as exc:
            trace.add("read_detail", f"failed: {exc}"[:200], page.url, started)
            return None
        trace.add("read_detail", row.ticket or row.title, url, started)
        return html

    async def _row_link(self, page: Page, row: ListRow, wanted):
        """The link to click for a row whose detail link works by script: the list read again
        as it stands now (after going back from another row's page, say), the same row found
        in it, and the element its mark names (by XPath), if it still says what it said."""
        _html, listing = await self._listing(page, wanted)
        again = next((r for r in listing.rows if r.mark and same_row(r, row)), None)
        if again is None or again.mark not in listing.links:
            return None
        path, text = listing.links[again.mark]
        link = page.locator(f"xpath={path}").first
        try:
            shown = await link.evaluate("e => (e.innerText || e.value || '')", timeout=3000)
        except PlaywrightError:
            return None
        return link if squash(shown) == text else None


CAPTCHA_WORDS = re.compile(r"验证码|校验码")
