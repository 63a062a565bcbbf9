"""The 互动交流 journey: reach 我要咨询 / 我要投诉, fill the form, submit, read 我的咨询.

A browser journey like the guide journey (it walks with the same ``PortalWalker``), but it
never decides on its own whether to send: ``probes/consult.py`` records the intent first and
passes ``before_click``, called right before the one click that sends, and reads the receipt
this journey brings back. What this module knows is how portals look:

* the way in: a link named 我要咨询 (在线咨询, 我要留言, ...) on the page, else the interaction
  section (互动交流, 政民互动, ...) and the link there; the matter's guide page first when the
  guide round found one;
* a login wall (a password field): with a sandbox account the journey logs in; with a saved
  session (``govprobe login``) a wall means the session expired: ``blocked``, ``login_expired``;
* the form: each field classified by the words that label it (``field_role``), whatever the
  markup (``label for``, table cells, placeholders); a captcha stops the journey unless an
  evaluator solves it in a visible browser;
* the receipt: a ticket (受理编号, 查询码, 业务编号, 信件编号, ...) and the portal's time;
* the list (我的咨询 / 我的投诉): a table read by its headers (``read_rows``).

The pure parts (``field_role``, ``parse_receipt``, ``parse_portal_time``, ``read_rows``,
``match_row``) are tested without a browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from probes import page_scripts as js
from probes.evidence import EvidenceRef
from probes.journey import PortalFailure, PortalWalker, _Trace, classify_error
from probes.model import Step
from probes.outcomes import Outcome

CHINA = timezone(timedelta(hours=8), "CST")

ENTRY = {
    "consult": re.compile(r"^(我要咨询|在线咨询|咨询留言|我要留言|留言咨询|政务咨询|咨\s*询)$"),
    "complaint": re.compile(r"^(我要投诉|在线投诉|投诉举报|我要举报|投\s*诉)$"),
}
LISTS = {
    "consult": re.compile(r"^(我的咨询|我的留言|咨询记录|我的信件|留言查询|咨询查询)$"),
    "complaint": re.compile(r"^(我的投诉|投诉记录|我的信件|投诉查询|信件查询)$"),
}
SECTION = re.compile(r"^(互动交流|政民互动|互动|咨询投诉|政务咨询|互动服务|公众参与)$")
RATING = re.compile(r"(好差评|服务评价|我要评价)")
LOGIN_LINK = re.compile(r"^(登录|用户登录|个人登录|请登录)$")

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
TICKET = re.compile(
    r"(受理编号|查询码|查询编号|信件编号|业务编号|留言编号|咨询编号|投诉编号|办件编号|受理号|编号)"
    r"\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9_-]{3,})"
)
TIME_LABEL = r"(提交时间|留言时间|写信时间|受理时间|咨询时间|投诉时间|时间)"
PORTAL_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
SUCCESS = re.compile(r"(提交成功|留言成功|已提交|受理成功|发送成功|写信成功|已收到您的)")
REFUSED = re.compile(r"(请填写|不能为空|错误|有误|格式不正确|请输入)")

# headers of a list page (我的咨询) by role
HEADER_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("replied", re.compile(r"(回复|答复|办结|处理)(时间|日期)")),
    ("submitted", re.compile(r"(提交|留言|写信|咨询|投诉|受理)?(时间|日期)")),
    ("ticket", re.compile(r"编号|查询码|受理号")),
    ("status", re.compile(r"状态|进度")),
    ("reply", re.compile(r"回复|答复|办理结果|处理结果|意见")),
    ("title", re.compile(r"标题|主题|题目|事项")),
)
REPLIED_STATUS = re.compile(r"(已回复|已答复|已办结|已处理|已完成|办结|已反馈)")


class LoginRequired(PortalFailure):
    """A login wall where the journey has no way to log in (no account, or a session expired)."""


# --- pure parts ---------------------------------------------------------------------------


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def field_role(label: str, *, tag: str = "input", type_: str = "text") -> str | None:
    """What a form field asks for, from the words that label it; a bare textarea is the
    message's content. ``None``: a field the journey does not fill."""
    text = _fold(label)
    for role, pattern in FIELD_ROLES:
        if pattern.search(text):
            return role
    if tag == "textarea":
        return "content"
    if type_ == "tel":
        return "phone"
    if type_ == "email":
        return "email"
    return None


def parse_portal_time(text: str | None) -> str | None:
    """A time as a portal shows it (2026-11-02 09:00:00, 2026年11月2日 9:00, 2026/11/02) as ISO
    8601 China time; ``None`` when there is none. A date alone is taken at 00:00."""
    if not text:
        return None
    m = PORTAL_TIME.search(unicodedata.normalize("NFKC", text))
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=CHINA).isoformat()
    except ValueError:
        return None


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
class ListRow:
    """One row of 我的咨询 / 我的投诉."""

    title: str
    ticket: str | None
    submitted_at: str | None
    status: str
    reply: str
    replied_at: str | None
    replied: bool  # the status or a reply text says it was answered


def _header_roles(headers: Sequence[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for i, header in enumerate(headers):
        h = _fold(header)
        for role, pattern in HEADER_ROLES:
            if role not in roles and pattern.search(h):
                roles[role] = i
                break
    return roles


def is_list(tables: Sequence[dict]) -> bool:
    """A table whose headers name a title or a ticket and a status or a reply: a list of
    one's consultations, even while it is empty (暂无记录)."""
    for table in tables:
        roles = _header_roles(table["headers"])
        if ({"title", "ticket"} & roles.keys()) and ({"status", "reply"} & roles.keys()):
            return True
    return False


def read_rows(tables: Sequence[dict]) -> list[ListRow]:
    """Rows of the tables a list page shows (``READ_TABLES``), by what their headers say."""
    out: list[ListRow] = []
    for table in tables:
        roles = _header_roles(table["headers"])
        if not ({"title", "ticket"} & roles.keys()):
            continue
        for cells in table["rows"]:

            def cell(role: str, cells=cells, roles=roles) -> str:
                i = roles.get(role)
                return cells[i].strip() if i is not None and i < len(cells) else ""

            ticket = cell("ticket") or None
            if ticket:
                found = TICKET.search("编号" + ticket)
                ticket = found.group(2) if found else ticket
            reply, status = cell("reply"), cell("status")
            replied = bool(REPLIED_STATUS.search(status)) or (not status and bool(reply))
            out.append(
                ListRow(
                    title=cell("title"),
                    ticket=ticket,
                    submitted_at=parse_portal_time(cell("submitted")),
                    status=status,
                    reply=reply,
                    replied_at=parse_portal_time(cell("replied")),
                    replied=replied,
                )
            )
    return out


def match_row(
    rows: Sequence[ListRow], *, ticket: str | None, title: str, claimed: set[str] = frozenset()
) -> ListRow | None:
    """The row of an item: by its ticket when it has one, else the newest row with its title
    whose ticket no other item has claimed (a crash between submit and receipt)."""
    if ticket:
        return next((r for r in rows if r.ticket == ticket), None)
    want = _fold(title)
    mine = [
        r
        for r in rows
        if want
        and (_fold(r.title) == want or _fold(r.title).startswith(want[:20]))
        and r.ticket not in claimed
    ]
    if not mine:
        return None
    return max(mine, key=lambda r: (r.submitted_at or "", r.ticket or ""))


# --- the journey --------------------------------------------------------------------------


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
    evidence: list[tuple[str, EvidenceRef]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)


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

    async def _click_link(self, page: Page, pattern: re.Pattern[str], trace: _Trace) -> Page | None:
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

    async def _log_in(self, page: Page, trace: _Trace) -> Page:
        """Pass a login wall with the account, or end the journey saying how to renew."""
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
        password = page.locator("input[type=password]").filter(visible=True).first
        form = password.locator("xpath=ancestor::form[1]")
        scope = form if await form.count() else page.locator("body")
        user = scope.locator(
            "input:not([type]), input[type=text], input[type=tel], input[type=email]"
        ).filter(visible=True)
        await user.first.fill(self.account.username, timeout=5000)
        await password.fill(self.account.password, timeout=5000)
        before = self._mark(page)
        button = scope.locator("button, input[type=submit], a, [role=button]").filter(
            has_text=re.compile(r"^\s*登\s*录\s*$")
        )
        if await button.count():
            await button.first.click(timeout=5000)
        else:
            await password.press("Enter")
        page = await self._follow(page, before)
        await self._pass_challenge(page)
        if await self._login_wall(page):
            raise PortalFailure(Outcome.BLOCKED, "login_refused: 门户拒绝了测试账号的登录")
        trace.add("login", self.account.username, page.url, started)
        return page

    async def _after_step(self, page: Page, trace: _Trace) -> Page:
        await self._dismiss_overlays(page, trace)
        if await self._login_wall(page):
            page = await self._log_in(page, trace)
            await self._dismiss_overlays(page, trace)
        return page

    async def _reach(
        self, page: Page, pattern: re.Pattern[str], trace: _Trace, done: Callable
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
        roles = {field_role(f["label"], tag=f["tag"], type_=f["type"]) for f in described["fields"]}
        return "content" in roles and ("title" in roles or "phone" in roles)

    async def _on_list(self, page: Page) -> bool:
        try:
            return is_list(await page.evaluate(js.READ_TABLES))
        except PlaywrightError:
            return False

    async def _start(self, trace: _Trace, url: str | None = None) -> Page:
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
        trace = _Trace()
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
        described = await page.evaluate(js.DESCRIBE_FORM)
        started = time.monotonic()
        values = {
            "title": letter.title,
            "content": letter.content,
            "matter": letter.matter_name,
            "contact": contact.name,
            "phone": contact.phone,
            "email": contact.email,
        }
        filled, captcha = [], None
        for f in described["fields"]:
            role = field_role(f["label"], tag=f["tag"], type_=f["type"])
            locator = page.locator(f"[data-govprobe-field='{f['i']}']").first
            if role == "captcha":
                captcha = locator
            elif role and values.get(role):
                await locator.fill(values[role], timeout=5000)
                filled.append(f"{f['label'] or role}→{role}")
        trace.add("fill", "; ".join(filled), page.url, started)
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
        await before_click()
        started = time.monotonic()
        before = self._mark(page)
        attempt.sent = True
        await page.locator("[data-govprobe-submit='1']").first.click(timeout=8000)
        page = await self._follow(page, before)
        text = await self._text(page, 8000)
        receipt = parse_receipt(text)
        trace.add("submit", described["submit"], page.url, started)
        shot = await self._full_shot(page)
        if shot:
            attempt.evidence.append(("receipt", shot))
        attempt.receipt_text = text[:2000]
        attempt.ticket, attempt.submitted_at = receipt.ticket, receipt.submitted_at
        if receipt.ticket or receipt.success_words:
            attempt.list_url = self._lists.get(letter.kind)
            if attempt.list_url is None:
                list_page = await self._click_link(page, LISTS[letter.kind], trace)
                if list_page is not None and not await self._login_wall(list_page):
                    attempt.list_url = self._lists[letter.kind] = list_page.url
            return
        errors = []
        with contextlib.suppress(PlaywrightError):
            errors = await page.evaluate(js.FORM_ERRORS)
        if await self._on_form(page) and (errors or REFUSED.search(text[:1000])):
            # refused and shown again: nothing was received (our filling was wrong, or a captcha)
            attempt.sent = False
            message = "; ".join(errors) or REFUSED.search(text[:1000]).group(0)
            if CAPTCHA_WORDS.search(message):
                raise PortalFailure(Outcome.BLOCKED, f"captcha: {message}")
            raise PortalFailure(Outcome.PROBE_ERROR, f"form refused: {message}")
        raise PortalFailure(Outcome.TIMEOUT, "no receipt: 提交后未见受理编号或提交成功提示")

    async def _wait_for_person(self, captcha, trace: _Trace) -> None:
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

    async def read_list(self, kind: str, list_url: str | None = None) -> tuple[Attempt, list]:
        """Open 我的咨询 / 我的投诉 (directly when its address is known) and read its rows."""
        attempt = Attempt()
        trace = _Trace()
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
            rows = read_rows(await page.evaluate(js.READ_TABLES))
            html = await page.content()
            attempt.evidence.append(("list_html", self.evidence.put(html.encode(), "text/html")))
            shot = await self._full_shot(page)
            if shot:
                attempt.evidence.append(("list", shot))
            trace.add("read_list", f"{len(rows)} rows", page.url, time.monotonic())
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            attempt.outcome, attempt.reason = classify_error(exc)
        finally:
            attempt.steps = list(trace.steps)
            await self._close_pages()
        return attempt, rows


CAPTCHA_WORDS = re.compile(r"验证码|校验码")
