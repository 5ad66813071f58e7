"""Command-line tools that are not about the schema: the chat simulator, demo data."""

from __future__ import annotations

import logging
import sys

import click
import requests
from flask import Flask, current_app
from flask.cli import with_appcontext

from bot.registry.commands import badge_qr_command, import_workers_command
from bot.wechat.simulator import WeChatSender, reply_text


@click.command("chat")
@click.option("--as", "openid", required=True, help="The sender's openid, e.g. demo-parent.")
@click.option("--url", default=None, help="A running server, e.g. http://127.0.0.1:5000; default: in process.")
@click.option("--event", "event", default=None, help="Send an event instead of text: subscribe, SCAN, ...")
@click.option("--key", "event_key", default="", help="The event's EventKey (e.g. qrscene_badge_CODE).")
@click.option("--safe", is_flag=True, help="Encrypt the push as in safe mode (needs ANXIN_WECHAT_AES_KEY).")
@click.argument("text", required=False, default="")
@with_appcontext
def chat_command(openid: str, url: str | None, event: str | None, event_key: str, safe: bool, text: str) -> None:
    """Send a correctly signed WeChat message and print the reply."""
    settings = current_app.config
    if safe and not settings.get("ANXIN_WECHAT_AES_KEY"):
        raise click.UsageError("--safe needs ANXIN_WECHAT_AES_KEY to be set")
    if not event and not text:
        raise click.UsageError('give the TEXT to send, or --event subscribe')
    sender = WeChatSender.from_settings(settings, safe=safe)
    body = sender.event(openid, event, event_key) if event else sender.text(openid, text)
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
        local = current_app.test_client().post("/wechat", query_string=params, data=data, headers=headers)
        status, content = local.status_code, local.get_data()
    if status != 200:
        click.echo(f"HTTP {status}: {content.decode('utf-8', 'replace')}", err=True)
        sys.exit(1)
    click.echo(reply_text(sender.read_reply(content)))


@click.command("create-agency")
@click.argument("name")
@with_appcontext
def create_agency_command(name: str) -> None:
    """Make an agency; its API key is the last line printed."""
    from bot.db import get_db
    from bot.errors import AnxinError
    from bot.registry.agencies import create_agency

    with get_db().new_session() as session, session.begin():
        try:
            agency, key = create_agency(session, name)
        except AnxinError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"已创建机构 agency {agency.id}: {agency.name}")
        click.echo("API 密钥只显示这一次，请妥善保存 (the API key is shown once):")
    click.echo(key)


STATUS_LABELS = {"sent": "已发送", "pending": "待发送", "sending": "发送中", "failed": "发送失败"}
CHANNEL_LABELS = {"custom": "客服消息", "template": "模板消息"}


@click.command("outbox")
@click.option("--to", "openid", default=None, help="Only what this openid would receive.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="The newest N messages.")
@with_appcontext
def outbox_command(openid: str | None, limit: int) -> None:
    """List what each person would have received (the outbox), newest last, grouped by person."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import select

    from bot.db import get_db
    from bot.models import Notification

    tz = ZoneInfo(current_app.config["ANXIN_TIMEZONE"])
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if openid:
        query = query.where(Notification.openid == openid)
    with get_db().reader_session() as session:
        notes = list(reversed(session.scalars(query).all()))
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
            if note.status != "sent" and note.last_error:
                click.echo(f"      ↳ {note.last_error[:200]}")
        click.echo("")


def init_app(app: Flask) -> None:
    app.cli.add_command(outbox_command)
    app.cli.add_command(chat_command)
    app.cli.add_command(create_agency_command)
    app.cli.add_command(import_workers_command)
    app.cli.add_command(badge_qr_command)
