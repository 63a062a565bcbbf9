"""Replies read from stored list and detail pages (``probes/judge/replies.py``): HTML written
here by hand, like none of the sandbox's pages: a table list, a card list, a detail page of
label/value pairs, a hidden row, a gb2312-declared page; and the poll's reply decision."""

from __future__ import annotations

from datetime import datetime

from probes.judge.replies import (
    ListRow,
    page_tree,
    polled_row,
    read_detail_page,
    read_list_page,
    reply_seen,
)
from probes.settings import CHINA

TITLE = "咨询开办美容院办理公共场所卫生许可证事宜"
COMPLAINT = "公共场所卫生许可申请超时未受理"

TABLE = f"""<!doctype html><html><head><meta charset="utf-8"><title>留言查询</title>
<style>.x {{ color: red }}</style><script>var rows = "编号 ZZ0000";</script></head><body>
<div class="nav">首页 &gt; 留言查询</div>
<table class="grid">
  <tr><td>序号</td><td>办理进度</td><td>查询编号</td><td>留言主题</td><td>答复意见</td>
      <td>留言日期</td><td>答复日期</td></tr>
  <tr><td>1</td><td><font color="green">已回复</font></td><td> Q-0001 </td>
      <td><a href="view.aspx?id=1" title="{TITLE}">{TITLE}</a></td>
      <td><div>您好：</div><div>需提交申请书、营业执照复印件。</div>可在网上办理。</td>
      <td>2026/11/2</td><td>2026年11月4日 16时05分</td></tr>
  <tr><td>2</td><td>待回复<span style="display:none">（内部：已转卫健委）</span></td>
      <td>Q-0002</td><td>{COMPLAINT}</td><td>--</td><td>2026/11/3</td><td></td></tr>
  <tr style="display:none"><td>3</td><td>已回复</td><td>Q-0003</td><td>上一页的留言</td>
      <td>已答复</td><td>2026/10/9</td><td>2026/10/10</td></tr>
  <tr><td colspan="7">共 3 条 第 1/1 页</td></tr>
</table></body></html>"""


def test_a_table_list_is_read_by_its_headers_whatever_their_order() -> None:
    listing = read_list_page(TABLE, "http://gov.test/hd/list.aspx")
    assert listing.is_list
    first, second, hidden = listing.rows
    assert (first.ticket, first.title, first.status) == ("Q-0001", TITLE, "已回复")
    assert first.replied and first.reply == "您好： 需提交申请书、营业执照复印件。 可在网上办理。"
    assert first.submitted_at == "2026-11-02T00:00:00+08:00"
    assert first.replied_at == "2026-11-04T16:05:00+08:00"
    # hidden text inside a shown cell is not read, as innerText leaves it out
    assert (second.status, second.reply, second.replied) == ("待回复", "", False)
    # a row a stylesheet or a script hides (another page, another tab) is still the list's
    assert (hidden.ticket, hidden.title) == ("Q-0003", "上一页的留言")


CARDS = f"""<!doctype html><html><head><meta charset="utf-8"><title>个人中心</title></head>
<body><h3>我的诉求</h3>
<ul class="items">
  <li class="item">
    <div class="top"><a class="name" href="/sq/detail/8801">{TITLE}</a><em>[咨询]</em></div>
    <div class="meta">办件编号：LS20261102001<span class="state">已办结</span>
      <span>提交于 2026-11-02 10:20</span></div>
  </li>
  <li class="item">
    <div class="top"><b>{COMPLAINT}</b></div>
    <div class="meta">办件编号：LS20261102002<span class="state">处理中</span>
      <span>提交于 2026-11-02 10:25</span></div>
    <button type="button" onclick="openDetail('LS20261102002')">详情</button>
  </li>
  <li class="item tpl" hidden><a href="#">{{{{title}}}}</a> 办件编号：LS00000000 已办结</li>
</ul></body></html>"""


def test_a_card_list_is_read_card_by_card_with_each_detail_link() -> None:
    listing = read_list_page(CARDS, "http://hotline.test/sq/mine", [(None, TITLE)])
    assert listing.is_list
    answered, pending = listing.rows  # the hidden template card is not one
    assert (answered.ticket, answered.title, answered.status) == ("LS20261102001", TITLE, "已办结")
    assert answered.replied and not answered.reply  # the reply is on its detail page
    assert answered.submitted_at == "2026-11-02T10:20:00+08:00"
    assert answered.link == "http://hotline.test/sq/detail/8801"
    assert (pending.ticket, pending.status, pending.replied) == ("LS20261102002", "处理中", False)
    # a detail link that works by script: the row says where it is, to be clicked
    assert not pending.link and pending.mark
    path, text = listing.links[pending.mark]
    assert text == "详情"
    (button,) = page_tree(CARDS).getroottree().xpath(path)
    assert button.get("onclick") == "openDetail('LS20261102002')"


DETAIL = f"""<!doctype html><html><head><meta charset="utf-8"><title>诉求详情</title></head>
<body><div class="header"><a href="/">首页</a></div>
<div class="content">
  <h2>{TITLE}</h2>
  <div class="row"><span class="lbl">办件编号：</span><span>LS20261102001</span></div>
  <div class="row"><span class="lbl">办理状态：</span><span>已办结</span></div>
  <div class="row"><span class="lbl">办理部门</span><span>市卫生健康委员会</span></div>
  <div class="row"><span class="lbl">办结时间</span><span>2026-11-04 09:30</span></div>
  <div class="row"><span class="lbl">办理结果</span><div class="txt">
    <p>您好！办理公共场所卫生许可证需提交申请书、营业执照复印件。</p>
    <p style="display:none">（内部审核意见，不对外）</p>
    <p>可在网上办理。<br>感谢您的来信。</p></div></div>
</div></body></html>"""


def test_a_detail_page_is_read_by_its_labels_and_completes_the_row() -> None:
    detail = read_detail_page(DETAIL)
    assert detail["ticket"] == "LS20261102001" and detail["status"] == "已办结"
    assert detail["unit"] == "市卫生健康委员会" and detail["replied"] == "2026-11-04 09:30"
    assert detail["reply"] == (
        "您好！办理公共场所卫生许可证需提交申请书、营业执照复印件。\n\n可在网上办理。\n感谢您的来信。"
    )
    row = polled_row(CARDS, DETAIL, ticket="LS20261102001", title=TITLE)
    assert row.reply == detail["reply"] and row.replied_at == "2026-11-04T09:30:00+08:00"
    # the pending one needs no detail page: its row is what the list says
    assert polled_row(CARDS, None, ticket="LS20261102002", title=COMPLAINT).status == "处理中"
    assert polled_row(CARDS, None, ticket="LS99", title=TITLE) is None


def test_a_gb2312_page_is_decoded_as_gb18030_from_its_bytes() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "</head><body><table><tr><th>信件标题</th><th>信件编号</th><th>状态</th></tr>"
        "<tr><td>咨询堃镕昇许可</td><td>XJ2026001</td><td>已答复</td></tr></table></body></html>"
    ).encode("gb18030")  # 堃, 镕 and 昇 are not in GB2312: servers write GBK
    (row,) = read_list_page(page).rows
    assert (row.title, row.ticket, row.replied) == ("咨询堃镕昇许可", "XJ2026001", True)
    # the journey's own evidence is the browser's DOM as UTF-8 under the same <meta>
    (same,) = read_list_page(page.decode("gb18030").encode("utf-8")).rows
    assert same == row


def test_a_page_that_is_no_list_says_so() -> None:
    assert not read_list_page("<html><body><p>欢迎访问</p></body></html>").is_list
    assert not read_list_page(b"").is_list
    empty = "<html><head><title>我的信件</title></head><body><p>暂无信件</p></body></html>"
    assert read_list_page(empty).is_list and read_list_page(empty).rows == ()


def _row(**values) -> ListRow:
    base = {"title": TITLE, "ticket": "Q-1", "submitted_at": "2026-11-02T09:00:00+08:00",
            "status": "已回复", "reply": "您好", "replied_at": None, "replied": True}  # fmt: skip
    return ListRow(**{**base, **values})


def test_a_reply_is_timed_by_the_portal_else_by_the_poll_that_first_saw_it() -> None:
    now = datetime(2026, 11, 5, 10, 0, tzinfo=CHINA)
    shown = reply_seen(_row(replied_at="2026-11-04T16:00:00+08:00"), now, None)
    assert (shown.replied_at, shown.source, shown.uncertainty_s) == (
        "2026-11-04T16:00:00+08:00",
        "portal",
        None,
    )
    seen = reply_seen(_row(), now, "2026-11-04T10:00:00+08:00")
    assert (seen.replied_at, seen.source, seen.uncertainty_s) == (
        "2026-11-05T10:00:00+08:00",
        "first_seen",
        86400,
    )
    assert reply_seen(_row(replied=False, reply=""), now, None) is None
    assert reply_seen(_row(reply=""), now, None) is None  # 已回复 with no text yet: wait
    assert reply_seen(None, now, None) is None
