"""CLI adapters for the registry: ``import-workers`` and ``badge-qr``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from wechatpy.client.api import WeChatQRCode
from wechatpy.exceptions import WeChatClientException

from bot.db import get_db
from bot.errors import AnxinError
from bot.lookup.codes import CodeCheck, check_code, format_code
from bot.lookup.profile import local_today
from bot.models import Agency, Badge
from bot.registry.imports import ImportFailed, import_workers, read_rows


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
    from bot.wechat.api import get_api

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
