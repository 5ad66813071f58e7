"""The command line (``flask --app bot ...``): the chat simulator, agencies, imports, badge QR codes.

Thin adapters over the domain packages, which know no click and no Flask."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
import requests
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from wechatpy.client.api import WeChatQRCode
from wechatpy.exceptions import WeChatClientException

from bot.agency.imports import ImportFailed, import_workers, read_rows
from bot.core.errors import AnxinError
from bot.delivery.wechat_api import get_api
from bot.lookup.codes import CodeCheck, check_code, format_code
from bot.lookup.profile import local_today
from bot.models import Agency, Badge
from bot.store.db import get_db
from bot.wechat.simulator import WeChatSender, reply_text


@click.command("chat")
@click.option("--as", "openid", required=True, help="The sender's openid, e.g. demo-parent.")
@click.option("--url", default=None, help="A running server, e.g. http://127.0.0.1:5000; default: in process.")
@click.option("--event", "event", default=None, help="Send an event instead of text: subscribe, SCAN, ...")
@click.option("--key", "event_key", default="", help="The event's EventKey (e.g. qrscene_badge_CODE).")
@click.option("--safe", is_flag=True, help="Encrypt the push as in safe mode (needs ANXIN_WECHAT_AES_KEY).")
@click.option("--voice", is_flag=True,
              help="Send TEXT as a voice message without WeChat's recognition: the WeChat stand-in holds a voice "
                   "that says it, and the speech-recognition stand-in hears it (needs ANXIN_ASR_PROVIDER=tencent "
                   "and the server running: make run).")
@click.argument("words", metavar="TEXT", nargs=-1)
@with_appcontext
def chat_command(openid: str, url: str | None, event: str | None, event_key: str, safe: bool, voice: bool,
                 words: tuple[str, ...]) -> None:
    """Send a correctly signed WeChat message and print the reply (its words as typed: 绑定 DEMFAM26 needs no quotes)."""
    settings = current_app.config
    text = " ".join(words)
    if safe and not settings.get("ANXIN_WECHAT_AES_KEY"):
        raise click.UsageError("--safe needs ANXIN_WECHAT_AES_KEY to be set")
    if not event and not text:
        raise click.UsageError('give the TEXT to send, or --event subscribe')
    sender = WeChatSender.from_settings(settings, safe=safe)
    if event:
        body = sender.event(openid, event, event_key)
    elif voice:
        body = sender.voice(openid, _upload_voice(settings["ANXIN_WECHAT_API_BASE"], text))
    else:
        body = sender.text(openid, text)
    params, data = sender.sign(body)
    headers = {"Content-Type": "text/xml"}
    if url:
        try:
            res = requests.post(f"{url.rstrip('/')}/wechat", params=params, data=data, headers=headers, timeout=10)
        except requests.RequestException as exc:
            raise click.ClickException(f"cannot reach {url}: {exc}") from None
        status, content = res.status_code, res.content
    else:
        # In process the server's own request logs would bury the reply: keep only warnings.
        logging.getLogger("anxin").setLevel(logging.WARNING)
        answer = current_app.test_client().post("/wechat", query_string=params, data=data, headers=headers)
        status, content = answer.status_code, answer.get_data()
    if status != 200:
        click.echo(f"HTTP {status}: {content.decode('utf-8', 'replace')}", err=True)
        sys.exit(1)
    click.echo(reply_text(sender.read_reply(content)))


def _upload_voice(api_base: str, text: str) -> str:
    """Upload to the WeChat stand-in a voice that says ``text``; its media id."""
    try:
        answer = requests.post(f"{api_base.rstrip('/')}/_voice", json={"text": text, "format": "amr"}, timeout=10)
        media_id = answer.json().get("media_id") if answer.ok else None
    except (requests.RequestException, ValueError) as exc:
        raise click.ClickException(f"cannot reach the WeChat stand-in at {api_base} (is make run running?): "
                                   f"{exc}") from None
    if not media_id:
        raise click.ClickException(f"the WeChat stand-in at {api_base} took no voice: {answer.text[:200]}")
    return str(media_id)


@click.command("create-agency")
@click.argument("name")
@with_appcontext
def create_agency_command(name: str) -> None:
    """Make an agency; its API key is the last line printed."""
    from bot.agency.agencies import create_agency
    from bot.core.errors import AnxinError
    from bot.store.db import get_db

    with get_db().new_session() as session, session.begin():
        try:
            agency, key = create_agency(session, name)
        except AnxinError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"已创建机构 agency {agency.id}: {agency.name}")
        click.echo("API 密钥只显示这一次，请妥善保存 (the API key is shown once):")
    click.echo(key)


@click.command("create-staff")
@click.argument("username")
@click.option("--agency", "agency_id", type=int, required=True, help="The agency's id (create-agency prints it).")
@click.option("--role", type=click.Choice(["admin", "supervisor", "clerk"]), required=True,
              help="admin 管理员 | supervisor 客服/主管 | clerk 录入员")
@click.option("--password", default=None, help="Default: a generated password.")
@click.option("--name", "display_name", default=None, help="The name shown in the console.")
@click.option("--phone", default=None, help="A mobile number to sign in with instead of the username.")
@with_appcontext
def create_staff_command(username: str, agency_id: int, role: str, password: str | None, display_name: str | None,
                         phone: str | None) -> None:
    """Make a staff account of the back office (/console); the password is the last line printed."""
    from bot.agency.staff import ROLE_LABELS, create_staff

    with get_db().new_session() as session, session.begin():
        try:
            staff, password = create_staff(session, agency_id, username, role, password=password,
                                           display_name=display_name, phone=phone,
                                           cipher=current_app.extensions["anxin_cipher"])
        except AnxinError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"已创建账号 staff {staff.id}: {staff.username}（{ROLE_LABELS[staff.role]}，机构 {agency_id}）")
        click.echo(f"登录 /console/login，用户名 {staff.username}，密码 (password):")
    click.echo(password)


@click.command("import-workers")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--agency", "agency_id", type=int, required=True, help="The agency's id (create-agency prints it).")
@with_appcontext
def import_workers_command(file: Path, agency_id: int) -> None:
    """Register the workers of a .csv or .xlsx file: all of them, or none if any row is wrong."""
    cipher = current_app.extensions["anxin_cipher"]
    today = local_today(current_app.config["ANXIN_TIMEZONE"])
    try:
        rows = read_rows(file)
    except AnxinError as exc:
        raise click.ClickException(exc.message) from None
    with get_db().new_session() as session:
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise click.ClickException(f"机构 {agency_id} 不存在 (no such agency)")
        try:
            with click.progressbar(length=len(rows), label=f"导入 {file.name}") as bar:
                count = import_workers(session, agency, rows, cipher, today, progress=lambda _row: bar.update(1))
        except ImportFailed as failed:
            session.rollback()
            for error in failed.errors:
                click.echo(str(error), err=True)
            raise click.ClickException(failed.message) from None
        session.commit()
    click.echo(f"已导入 {count} 名服务员到机构 {agency.name} (imported {count})")


@click.command("badge-qr")
@click.argument("code")
@with_appcontext
def badge_qr_command(code: str) -> None:
    """Ask WeChat for a permanent Official Account QR code with scene ``badge_CODE``."""
    check, normalised = check_code(code)
    if check is not CodeCheck.VALID:
        raise click.ClickException(f"工牌编号 {code} 无效（{'校验位不符' if check is CodeCheck.MISTYPED else '格式错误'}）")
    with get_db().reader_session() as session:
        badge = session.scalar(select(Badge).where(Badge.code == normalised))
    if badge is None:
        raise click.ClickException(f"工牌 {format_code(normalised)} 不存在 (no such badge)")
    if badge.revoked_at is not None:
        raise click.ClickException(f"工牌 {format_code(normalised)} 已注销 (badge revoked)")
    # https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html
    try:
        result = get_api().qrcode.create({
            "action_name": "QR_LIMIT_STR_SCENE",
            "action_info": {"scene": {"scene_str": f"badge_{normalised}"}},
        })
    except WeChatClientException as exc:
        raise click.ClickException(f"微信生成二维码失败 (WeChat refused): {exc.errcode} {exc.errmsg}") from None
    click.echo(f"工牌 {format_code(normalised)} 的公众号二维码 (scene badge_{normalised}):")
    click.echo(f"内容 url: {result['url']}")
    click.echo(f"ticket: {result['ticket']}")
    click.echo(WeChatQRCode.get_url(result["ticket"]))


STATUS_LABELS = {"sent": "已发送", "pending": "待发送", "sending": "发送中", "failed": "发送失败", "cancelled": "已撤回"}
CHANNEL_LABELS = {"custom": "客服消息", "template": "模板消息", "bizsend": "订阅通知", "subscribe": "订阅消息", "sms": "短信"}


@click.command("outbox")
@click.option("--to", "openid", default=None, help="Only what this openid would receive.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="The newest N messages.")
@with_appcontext
def outbox_command(openid: str | None, limit: int) -> None:
    """List what each person would have received (the outbox), newest last, grouped by person."""
    from zoneinfo import ZoneInfo

    from bot.models import DeliveryAttempt, Notification

    tz = ZoneInfo(current_app.config["ANXIN_TIMEZONE"])
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if openid:
        query = query.where(Notification.openid == openid)
    with get_db().reader_session() as session:
        notes = list(reversed(session.scalars(query).all()))
        # The link each message carried, as its delivery kept it (an SMS has its link in its text).
        links = {note_id: link for note_id, link in session.execute(
            select(DeliveryAttempt.notification_id, DeliveryAttempt.detail)
            .where(DeliveryAttempt.notification_id.in_([n.id for n in notes]), DeliveryAttempt.outcome == "sent",
                   DeliveryAttempt.detail.is_not(None)))}
    if not notes:
        click.echo("发件箱为空 (nothing queued yet)" + (f" for {openid}" if openid else ""))
        return
    by_person: dict[str, list[Notification]] = {}
    for note in notes:
        by_person.setdefault(note.openid, []).append(note)
    for person, rows in by_person.items():
        click.echo(f"{person}  ({len(rows)} 条)")
        for note in rows:
            at = (note.sent_at or note.created_at).astimezone(tz)
            status = STATUS_LABELS.get(note.status, note.status)
            if note.channel:
                status += "·" + CHANNEL_LABELS.get(note.channel, note.channel)
            click.echo(f"  {at:%Y-%m-%d %H:%M}  [{status}] {note.kind}")
            for line in note.text.splitlines():
                click.echo(f"      {line}")
            if links.get(note.id):
                click.echo(f"      🔗 {links[note.id]}")
            if note.status != "sent" and note.last_error:
                click.echo(f"      ↳ {note.last_error[:200]}")
        click.echo("")


def init_app(app: Flask) -> None:
    app.cli.add_command(outbox_command)
    app.cli.add_command(chat_command)
    app.cli.add_command(create_agency_command)
    app.cli.add_command(import_workers_command)
    app.cli.add_command(create_staff_command)
    app.cli.add_command(badge_qr_command)
