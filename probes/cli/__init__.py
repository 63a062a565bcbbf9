"""The ``govprobe`` command: click only, each command a thin wrapper over one library function.

The group and its commands are here; ``options`` holds the options several commands share,
``console`` the rich tables they print in Chinese, ``check`` and ``schedule`` their own groups.
"""

from __future__ import annotations

import subprocess
import sys

import click

from probes.cli.options import (
    alert_options,
    clock_option,
    db_option,
    progress_option,
    retry_options,
)
from probes.settings import DEMO_DIR
from probes.store.db import now_iso
from probes.text import DEMO_PHASES, INTEGRITY_ZH, iso_duration


def _read_config(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Before any other option: the config file becomes the defaults of every command."""
    from probes.cli import config

    if ctx.resilient_parsing:
        return
    path = config.config_path(value)
    if path is not None:
        ctx.default_map = config.read_default_map(ctx.command, path)


@click.group(context_settings={"auto_envvar_prefix": "GOVPROBE"})
@click.version_option(package_name="govprobe")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), envvar="GOVPROBE_CONFIG",
              allow_from_autoenv=False, show_envvar=True, is_eager=True, expose_value=False,
              callback=_read_config,
              help="The config file (default: govprobe.toml in the working folder, if there).")  # fmt: skip
@click.option("--data", type=click.Path(file_okay=False),
              help="An evaluation folder: its cities.yaml, scenarios, indicators, ... first, "
                   "the shipped data for what it lacks.")  # fmt: skip
def main(data: str | None) -> None:
    """govprobe: evaluate city government-service portals the way a citizen meets them."""
    from probes.plan.datafiles import DataFileError, use_data_dir

    try:
        use_data_dir(data)
    except DataFileError as exc:
        raise _fail(exc) from exc


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
def init(folder):
    """Write an evaluation folder from the shipped data and a commented govprobe.toml."""
    from probes.cli.config import CONFIG_FILE, TEMPLATE
    from probes.plan.datafiles import DataFileError, write_evaluation_folder

    template = TEMPLATE.read_text(encoding="utf-8")
    try:
        written = write_evaluation_folder(folder, {CONFIG_FILE: template})
    except DataFileError as exc:
        raise _fail(exc) from exc
    for path in written:
        click.echo(f"已写入：{path}")
    click.echo(
        f"评估文件夹 {folder}：{len(written)} 个文件；在该文件夹中运行 govprobe 即按其配置与数据"
    )


@main.group()
def browser() -> None:
    """The Chromium that journeys drive."""


@browser.command("ensure")
def browser_ensure() -> None:
    """Find a Chromium, installing one if needed, and say which was used."""
    from probes.net.browser import BrowserNotFound, ensure_chromium

    try:
        choice = ensure_chromium(log=lambda m: click.echo(m, err=True))
    except BrowserNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"浏览器：{choice.describe()}")


@main.group()
def sandbox() -> None:
    """The simulated city portals (run as their own process: probes never import them)."""


@sandbox.command("serve", context_settings={"ignore_unknown_options": True})
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def sandbox_serve(host: str, port: int, extra: tuple[str, ...]) -> None:
    """Serve every city portal from one process (the same as ``python -m sandbox serve``)."""
    cmd = [sys.executable, "-m", "sandbox", "serve", "--host", host, "--port", str(port), *extra]
    raise SystemExit(subprocess.run(cmd, check=False).returncode)


@sandbox.command("clock")
@click.option("--sandbox-url", required=True, help="The sandbox's control address.")
@click.option("--advance", help="Move the clock on: 3d, 4h, 30m, or an ISO duration.")
@click.option("--set", "set_to", help="Set the clock to an ISO time (Beijing time if no offset).")
def sandbox_clock(sandbox_url: str, advance: str | None, set_to: str | None) -> None:
    """Read, advance or set the sandbox's simulated clock (what portals show as the time)."""
    import httpx

    if advance and set_to:
        raise click.UsageError("--advance 与 --set 只能给一个")
    url = sandbox_url.rstrip("/") + "/__sandbox/clock"
    try:
        if advance or set_to:
            try:
                body = {"advance": iso_duration(advance)} if advance else {"set": set_to}
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--advance") from None
            response = httpx.post(url, json=body, timeout=15)
        else:
            response = httpx.get(url, timeout=15)
    except httpx.HTTPError as exc:
        raise click.ClickException(f"{url}: {exc}") from exc
    if response.status_code != 200:
        raise click.ClickException(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
    click.echo(response.json()["now"])


def said_alerts(sent: tuple[list, list]) -> None:
    """Say, on stderr, the alerts sent and every send that failed (which fails nothing)."""
    alerts, failures = sent
    if alerts:
        click.echo(f"告警：{len(alerts)} 条（{'、'.join(a.title for a in alerts)}）", err=True)
    for failure in failures:
        click.echo(failure.said(), err=True)


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


def _measured_something(outcomes: list[str], what: str) -> None:
    """Exit non-zero, with the counts, when nothing could be measured: every probe is our own
    failure (``probe_error``). A round of portal failures did measure something: the portals."""
    from collections import Counter

    from probes.outcomes import outcome_name

    if outcomes and all(o == "probe_error" for o in outcomes):
        counts = "、".join(f"{outcome_name(k)} {v}" for k, v in Counter(outcomes).items())
        raise click.ClickException(
            f"{what}：没有测得任何结果，{len(outcomes)} 个全部是探测程序错误（我方原因，不计入城市）"
            f"（{counts}）"
        )


@main.command()
@click.option(
    "--target", type=click.Choice(["sandbox", "live"]), default="sandbox", show_default=True
)
@click.option("--sandbox-url", help="A running sandbox; without it one is started and stopped.")
@click.option("--portal-url", help="Probe this one portal with the generic journey alone.")
@click.option("--city", "cities", multiple=True, help="City name or id (repeatable; default all).")
@click.option("--scenario", "scenario_ids", multiple=True, help="Scenario id (repeatable).")
@click.option("--channel", "channels", multiple=True, type=click.Choice(["pc", "mobile"]))
@db_option
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--per-host", default=2, show_default=True, type=click.IntRange(1, 16))
@click.option("--resume", "resume_round", help="Finish an interrupted round.")
@click.option("--user-agent-suffix", default="", help="An identifying token for the user agent.")
@retry_options
@click.option("--gap", type=click.FloatRange(0, 60), default=None,
              help="Seconds between requests to one host (default: 0 on the sandbox, 1 live).")  # fmt: skip
@click.option("--browser-endpoint", "endpoints", multiple=True,
              help="A Playwright browser server (ws://...) to walk in; repeatable.")  # fmt: skip
@click.option("--trace", is_flag=True,
              help="Keep every probe's Playwright trace (default: only those not ok).")  # fmt: skip
@clock_option
@alert_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@progress_option
def run(target, sandbox_url, portal_url, cities, scenario_ids, channels, db_path, concurrency,
        per_host, resume_round, user_agent_suffix, retries, backoff, retry_budget, gap, endpoints,
        trace, clock, alert_urls, alert_probe_errors, as_json, progress):  # fmt: skip
    """Walk the guide journeys of a round, store the evidence and judge it."""
    from probes.app import guides
    from probes.cli import console

    try:
        summary = guides.run_guides(
            target=target,
            sandbox_url=sandbox_url,
            portal_url=portal_url,
            cities=cities,
            scenario_ids=scenario_ids,
            channels=channels,
            db_path=db_path,
            concurrency=concurrency,
            per_host=per_host,
            resume_round=resume_round,
            user_agent_suffix=user_agent_suffix,
            retries=retries,
            backoff_s=backoff,
            retry_budget_s=retry_budget,
            endpoints=endpoints,
            gap_s=gap,
            trace=trace,
            clock=clock,
            progress=progress,
        )
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    if as_json:
        import json

        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        console.print_summary(summary)
        if summary["held"]:
            click.echo(
                f"较上一轮变差、待复核（暂不计分）：{len(summary['held'])} 项，"
                f"见复核页面 /queue?round={summary['round']}"
            )
    if alert_urls:
        from probes import alert

        said_alerts(alert.after_guides(db_path, summary["round"], alert_urls,
                                       limit=alert_probe_errors))  # fmt: skip
    _measured_something([p["outcome"] for p in summary["probes"]], f"轮次 {summary['round']}")


@main.command()
@click.option("--round", "round_id", help="Round id (default: the latest guide round).")
@db_option
def rejudge(round_id, db_path):
    """Re-extract and re-judge a stored round from its evidence, with no browser."""
    from probes.app import guides

    try:
        round_id, count = guides.rejudge(db_path, round_id)
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    click.echo(f"轮次 {round_id}：重新判定 {count} 项（探测与回复）")


@main.command()
@db_option
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (default: stdout).")
def metadata(db_path, out):
    """Describe the database for datasette: `datasette DB -m metadata.json`."""
    import json
    from pathlib import Path

    from probes import store

    try:
        db = store.open_db(db_path, create=False)
    except store.StoreError as exc:
        raise _fail(exc) from exc
    text = json.dumps(store.datasette_metadata(db, Path(db_path).stem), ensure_ascii=False,
                      indent=2)  # fmt: skip
    db.close()
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
        click.echo(f"已写入：{out}")
    else:
        click.echo(text)


@main.command()
@db_option
def verify(db_path):
    """Re-hash every evidence file and report any that changed or vanished."""
    from probes import store
    from probes.store.evidence import evidence_for

    try:
        db = store.open_db(db_path, create=False)
    except store.StoreError as exc:
        raise _fail(exc) from exc
    problems = store.verify_evidence(db, evidence_for(db_path))
    total = store.evidence_count(db)
    db.close()
    if total == 0:
        raise click.ClickException(f"{db_path}: 数据库里没有任何证据文件，无从核对")
    for p in problems:
        click.echo(
            f"{INTEGRITY_ZH.get(p['problem'], p['problem'])}：{p['relpath']}（{p['sha256']}）"
        )
    click.echo(f"核验证据文件 {total} 个，问题 {len(problems)} 个")
    if problems:
        raise SystemExit(1)


@main.command()
@click.option("--round", "round_id", help="Round id (default: the latest guide round).")
@db_option
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The WACZ file to write (name ending in .wacz).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def export(round_id, db_path, out, as_json):
    """Export a guide round as a WACZ web archive (what the portals sent) that replays offline."""
    from probes.app.export import export_round

    try:
        done = export_round(db_path, out, round_id)
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    if as_json:
        _echo_json(done)
        return
    click.echo(f"轮次 {done['round']}：WARC 记录 {done['records']} 条，页面 {done['pages']} 个")
    for url in done["pages_not_archived"]:
        click.echo(f"存档中没有该页面：{url}")
    for relpath in done["damaged"]:
        click.echo(f"已略去，证据受损（sha256 不再一致）：{relpath}")
    click.echo(f"已写入：{done['out']}")


@main.command()
@click.option("--out", default=str(DEMO_DIR), show_default=True, help="Where the run writes.")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64))
@progress_option(phases=DEMO_PHASES)
def demo(out, concurrency, progress):
    """The main job on the sandbox: start it, walk every city, scenario and channel, judge."""
    from probes.app import demo
    from probes.cli import console

    shown = {
        "say": lambda text: click.echo(text),
        "guides": console.print_city_table,
        "items": console.print_items,
        "score": console.print_score,
    }
    demo.demo(out, concurrency, show=lambda kind, value: shown[kind](value), progress=progress)


def _echo_json(value) -> None:
    import json

    click.echo(json.dumps(value, ensure_ascii=False))


@main.group()
def consult() -> None:
    """Consultations and complaints (我要咨询 / 我要投诉): submit once, then `govprobe poll`."""


@consult.command("submit")
@click.option(
    "--target", type=click.Choice(["sandbox", "live"]), default="sandbox", show_default=True
)
@click.option("--sandbox-url", help="A running sandbox (keep it running for `govprobe poll`).")
@click.option("--city", "cities", multiple=True, help="City name or id (repeatable; default all).")
@click.option("--scenario", "scenario_ids", multiple=True, help="Scenario id (repeatable).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["consult", "complaint"]))
@db_option
@click.option(
    "--submit/--dry-run", "send", default=None,
    help="Really send. Default: send on the sandbox, a dry run (fill, never send) on live.",
)  # fmt: skip
@click.option("--new-round", is_flag=True, help="Start a new interaction round (a new season).")
@click.option("--headed", is_flag=True, help="A visible browser: an evaluator types captchas.")
@click.option("--sessions", type=click.Path(file_okay=False), help="Saved login sessions.")
@click.option("--contact", help="The sender's name on live portals.")
@click.option("--phone", help="The sender's mobile number on live portals.")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--per-host", default=2, show_default=True, type=click.IntRange(1, 16))
@alert_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@progress_option
def consult_submit(target, sandbox_url, cities, scenario_ids, kinds, db_path, send, new_round,
                   headed, sessions, contact, phone, concurrency, per_host, alert_urls,
                   alert_probe_errors, as_json, progress):  # fmt: skip
    """Fill in and send each scenario's consultation and complaint, never twice."""
    from probes.app import consult as app_consult
    from probes.plan.cities import chinese_names
    from probes.text import KIND_ZH
    from probes.text import SUBMIT_ACTION_ZH as ACTION_ZH
    from probes.walk.consult import Contact

    if (contact is None) != (phone is None):
        raise click.UsageError("--contact 与 --phone 须一起给出")
    if (
        target == "live"
        and send
        # at the terminal (stderr), never into the JSON that --json prints on stdout
        and not click.confirm(
            "这将向真实的政府部门发送咨询与投诉。确定继续吗？", default=False, err=True
        )
    ):
        raise click.Abort()

    names = chinese_names()
    started = now_iso()

    def report(r: dict) -> None:
        if not as_json:
            ticket = r.get("ticket") or r.get("reason") or ""
            city, scenario = (
                names.get(r["city"], r["city"]),
                names.get(r["scenario"], r["scenario"]),
            )
            kind, action = (
                KIND_ZH.get(r["kind"], r["kind"]),
                ACTION_ZH.get(r["action"], r["action"]),
            )
            click.echo(f"{city}\t{scenario}\t{kind}\t{action}\t{ticket}")

    try:
        summary = app_consult.consult_submit(
            target=target, sandbox_url=sandbox_url, cities=cities, scenario_ids=scenario_ids,
            kinds=kinds, db_path=db_path, send=send, new_round=new_round, headed=headed,
            sessions=sessions, contact=Contact(contact, phone) if contact else None,
            concurrency=concurrency, per_host=per_host, report=report, progress=progress,
        )  # fmt: skip
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    if as_json:
        _echo_json(summary)
    else:
        mode = "演练：未发送" if summary["dry_run"] else "已发送"
        click.echo(f"轮次 {summary['round']}：{len(summary['results'])} 件（{mode}）")
    if alert_urls:
        from probes import alert

        results = summary["results"]
        said_alerts(alert.after_items(
            db_path, alert_urls, since=started, what="咨询投诉提交", round_id=summary["round"],
            outcomes=[r["action"] for r in results], reasons=[r.get("reason") for r in results],
            limit=alert_probe_errors,
        ))  # fmt: skip
    _measured_something([r["action"] for r in summary["results"]], f"轮次 {summary['round']}")


@main.command()
@click.option(
    "--target", type=click.Choice(["sandbox", "live"]), default="sandbox", show_default=True
)
@click.option("--sandbox-url", help="The sandbox the items were sent to.")
@db_option
@click.option("--sessions", type=click.Path(file_okay=False), help="Saved login sessions.")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64))
@alert_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@progress_option
def poll(target, sandbox_url, db_path, sessions, concurrency, alert_urls, alert_probe_errors,
         as_json, progress):  # fmt: skip
    """Look for replies to open consultations and complaints; close those past the window."""
    from probes.app import consult as app_consult
    from probes.cli import console

    started = now_iso()
    try:
        summary = app_consult.consult_poll(
            target=target, sandbox_url=sandbox_url, db_path=db_path, sessions=sessions,
            concurrency=concurrency, progress=progress,
        )  # fmt: skip
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    if as_json:
        _echo_json(summary)
    else:
        console.print_items(summary["items"])
    if alert_urls:
        from probes import alert

        said_alerts(alert.after_items(
            db_path, alert_urls, since=started, what="回复查询", round_id=None,
            outcomes=summary["polled"], limit=alert_probe_errors,
        ))  # fmt: skip
    _measured_something(summary["polled"], "回复查询")


@main.command()
@click.argument("item_id", type=int)
@click.argument(
    "value", type=click.Choice(["solved", "partly", "not", "on_time", "late", "no_reply"])
)
@click.option("--by", required=True, help="The evaluator's name (normalised as a token's is).")
@click.option("--note", required=True, help="Why: the reason every judgement needs.")
@db_option
def label(item_id, value, by, note, db_path):
    """Judge a reply: its effectiveness (solved / partly / not) or its timeliness (on_time /
    late / no_reply); audited as cli."""
    from probes.app import consult as app_consult
    from probes.store.overrides import evaluator_name
    from probes.text import EFFECTIVENESS_ZH, FIELD_ZH, TIMELINESS_ZH

    field = "timeliness" if value in TIMELINESS_ZH else "effectiveness"
    try:
        item = app_consult.label_item(db_path, item_id, value, by, note, field=field)
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    shown = {**EFFECTIVENESS_ZH, **TIMELINESS_ZH}[item[field]]
    what = FIELD_ZH[field]
    click.echo(f"第 {item_id} 件：{what} {shown}（评估人 {evaluator_name(by)}）")


@main.command()
@click.argument("probe_id", type=int)
@click.option("--by", required=True, help="The evaluator's name (normalised as a token's is).")
@click.option("--note", required=True, help="Why the machine was right: the reason required.")
@db_option
def confirm(probe_id, by, note, db_path):
    """Confirm the machine's judgement of a regression held for review (待复核): the hold is
    lifted and the probe scored as judged; audited as cli. To judge otherwise, override it."""
    from probes import store
    from probes.store import overrides

    try:
        db = store.open_db(db_path, create=False)
    except store.StoreError as exc:
        raise _fail(exc) from exc
    try:
        overrides.confirm_machine(db, probe_id, by=by, note=note, channel="cli")
    except overrides.OverrideError as exc:
        raise _fail(exc) from exc
    finally:
        db.close()
    name = overrides.evaluator_name(by)
    click.echo(f"探测 {probe_id}：已确认机器判定，解除待复核，计入评分（评估人 {name}）")


@main.command()
@click.option("--city", required=True, help="City name or id.")
@click.option("--sessions", type=click.Path(file_okay=False), help="Where sessions are kept.")
@click.option("--url", help="Where to log in (default: the city's portal).")
def login(city, sessions, url):
    """Log in to a city's portal in a visible browser and keep the session for journeys."""
    from probes.app import consult as app_consult

    def wait(page) -> None:
        click.echo("请在浏览器窗口中登录（实名、短信验证码），完成后在此按回车。")
        input()

    try:
        path = app_consult.login_session(city, wait=wait, sessions=sessions, url=url)
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    click.echo(f"登录状态已保存：{path}（权限 0600；不导出，不作为证据）")


@main.command()
@click.option("--round", "round_id", help="Guide round (default: the latest).")
@click.option("--compare", "compare_round", help="An earlier guide round to compare with.")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def score(round_id, compare_round, db_path, as_json):
    """Score a round on the indicator system: cities, regions, the nation."""
    from probes.app import evaluation

    try:
        result = evaluation.score(db_path, round_id, compare=compare_round)
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    if as_json:
        _echo_json(result)
    else:
        from probes.cli.console import print_score

        print_score(result)


@main.group()
def offline() -> None:
    """Offline (service hall) results, imported to compare with the online side."""


@offline.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@db_option
@click.option("--by", default="", help="Who hands the file in.")
def offline_import(path, db_path, by):
    """Import a CSV or XLSX of offline scores (and materials per matter)."""
    from probes.app import evaluation

    try:
        result = evaluation.import_offline(db_path, path, by=by)
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    sample = "（示例数据）" if result["sample"] else ""
    click.echo(
        f"已导入 {result['source']}{sample}：{result['cities']} 个城市，"
        f"{result['matters']} 个事项附材料清单"
    )


@main.command()
@click.option("--round", "round_id", help="Guide round (default: the latest).")
@click.option("--out", required=True, help="The report file (html, xlsx) or folder (csv).")
@click.option("--format", "fmt", type=click.Choice(["html", "xlsx", "csv"]), default="html",
              show_default=True)  # fmt: skip
@click.option("--compare", "compare_round", help="An earlier guide round to compare with.")
@db_option
def report(round_id, out, fmt, compare_round, db_path):
    """Write the evaluation's report: tables, charts and every city's evidence."""
    from probes.app import evaluation

    try:
        paths = evaluation.write_report(
            db_path, out, round_id=round_id, fmt=fmt, compare=compare_round
        )
    except (ValueError, RuntimeError) as exc:
        raise _fail(exc) from exc
    for path in paths:
        click.echo(f"已写入：{path}")


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--tokens", "tokens_file", type=click.Path(exists=True, dir_okay=False),
              help="YAML or JSON {evaluator: token} (default: $GOVPROBE_REVIEW_TOKENS, else "
                   "one token made for you and printed).")  # fmt: skip
def review(db_path, host, port, tokens_file):
    """Serve the evaluators' review pages: browse, judge replies, override with reasons."""
    from probes.review.server import serve

    try:
        serve(db_path, host=host, port=port, tokens_file=tokens_file, echo=click.echo)
    except ValueError as exc:
        raise _fail(exc) from exc


def _register() -> None:
    """Commands that live beside their library code; every option's help names its variable."""
    from probes.cli.check import check
    from probes.cli.schedule import schedule

    main.add_command(check)
    main.add_command(schedule)
    _show_envvars(main)


def _show_envvars(command: click.Command) -> None:
    for param in command.params:
        if isinstance(param, click.Option) and param.expose_value:
            param.show_envvar = True
    for sub in getattr(command, "commands", {}).values():
        _show_envvars(sub)


_register()
