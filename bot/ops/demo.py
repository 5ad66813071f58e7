"""``flask --app bot seed-demo``: a demo agency, workers with badges, and a family with a few days of diary.

Built through the same domain functions the API and the chat use. In development the
codes are the same on every laptop and every run (the README's examples work when
copied) and the agency key is derived from ``ANXIN_SECRET_KEY``; running it again
leaves the data and the key as they are (``--rotate-key`` gives a fresh random key)
and prints the codes to try. Staff accounts do not exist yet, so there is none to keep.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from PIL import Image, ImageDraw
from sqlalchemy import ColumnElement, CursorResult, Table, delete, or_, select
from sqlalchemy.orm import Session

from bot.agency.agencies import create_agency
from bot.agency.badges import issue_badge
from bot.agency.staff import check_password, create_staff, new_password, set_password
from bot.agency.workers import (
    id_check_symbol,
    parse_worker,
    record_consent,
    record_verification,
    register_worker,
    set_photo,
)
from bot.core.clock import utcnow
from bot.core.security import FieldCipher, hash_api_key, new_api_key
from bot.diary.engagements import bind, open_engagement
from bot.diary.entries import record_entries
from bot.diary.family import rate_day
from bot.diary.parse import parse_lines
from bot.lookup.codes import check_symbol, format_code
from bot.models import Agency, Badge, ChatUser, Engagement, Staff, Worker
from bot.models.base import Base
from bot.store.db import get_db

DEMO_AGENCY = "安心示范家政服务中心"
NURSE_OPENID = "demo-nurse"
PARENT_OPENID = "demo-parent"
# The same codes on every laptop (development): the README's examples are these.
DEMO_BADGE_PAYLOADS = ("ANX1NDEM01", "ANX1NDEM02", "ANX1NDEM03")
DEMO_NURSE_CODE, DEMO_FAMILY_CODE = "DEMNRS26", "DEMFAM26"

# Two full days, night feeds included, as a careful nurse keeps them; today is filled up to the present.
DIARY_DAYS = [
    [
        "0:40 喂奶 80ml", "1:00 换尿布 小便", "3:10 喂奶 90ml", "3:30 换尿布 小便", "6:30 喂奶 90ml", "7:10 换尿布 小便",
        "8:00 体温 36.7", "9:00 母乳 左 15分钟", "9:30 洗澡 15分钟", "10:00 睡觉 120分钟", "12:10 母乳 左 15分钟",
        "13:00 换尿布 大小便 黄色 糊状", "14:30 抚触 10分钟", "15:10 喂奶 100ml", "16:20 换尿布 小便", "17:00 产妇体温 36.8",
        "18:20 月子餐 晚餐 鲫鱼汤 吃完", "19:30 换尿布 小便", "18:40 喂奶 110ml", "20:10 换尿布 小便", "21:40 喂奶 100ml",
        "22:10 睡觉 150分钟",
    ],
    [
        "0:50 喂奶 90ml", "1:10 换尿布 小便", "4:00 换尿布 小便", "3:40 喂奶 90ml", "6:20 喂奶 100ml", "7:00 换尿布 大小便 黄色",
        "8:10 体温 37.6", "8:40 脐带护理 干燥", "9:00 睡觉 90分钟", "9:30 母乳 右 20分钟", "11:30 换尿布 小便",
        "12:40 喂奶 110ml",
        "14:00 被动操 10分钟", "14:30 换尿布 小便", "15:30 喂奶 120ml", "16:00 体温 37.0", "16:30 换尿布 小便",
        "17:30 血压 118/76", "18:40 喂奶 110ml", "20:00 换尿布 大小便 黄色", "20:40 宝宝今天特别爱笑😊", "21:50 喂奶 100ml",
    ],
]
# Today: the second day's lines, up to the present, so the demo day has no gaps a flag would point at.
TODAY = [line.replace("体温 37.6", "体温 36.8") for line in DIARY_DAYS[1]]
WORKERS = [
    # name, gender, birth date, service types, years, checks expiring after (days), consent
    ("伍秀芳", "female", dt.date(1982, 3, 14), ["月嫂", "育婴师"], 9, 300, True),
    ("李桂兰", "female", dt.date(1976, 8, 2), ["育儿嫂"], 12, -10, True),
    ("陈美玲", "female", dt.date(1990, 11, 25), ["保洁", "收纳"], 3, 200, False),
]


@dataclass
class Seeded:
    agency: Agency
    key: str | None  # None: the key is unchanged and was not derived here, so it cannot be shown again
    badges: list[tuple[Badge, Worker]]
    engagement: Engagement
    created: bool


def demo_key(secret_key: str) -> str:
    """The demo agency's key in development: the same on every run for the same ANXIN_SECRET_KEY."""
    digest = hmac.new(secret_key.encode("utf-8"), b"anxin-demo-agency-key", hashlib.sha256).hexdigest()
    return "ak_demo_" + digest[:32]


DEMO_STAFF = "demo-admin"


def demo_password(secret_key: str) -> str:
    """The demo staff account's password in development: the same on every run for the same ANXIN_SECRET_KEY."""
    digest = hmac.new(secret_key.encode("utf-8"), b"anxin-demo-staff-password", hashlib.sha256).hexdigest()
    return "demo-" + digest[:12]


def demo_staff(session: Session, agency_id: int, password: str, rotate: bool) -> tuple[str, str | None]:
    """The demo agency's console account, made once; its password changes only when asked (then a random one)."""

    staff = session.scalar(select(Staff).where(Staff.agency_id == agency_id, Staff.username == DEMO_STAFF))
    if staff is None:
        create_staff(session, agency_id, DEMO_STAFF, "admin", password=password, display_name="演示管理员")
        return DEMO_STAFF, password
    if rotate:
        fresh = new_password()
        set_password(staff, fresh)
        return DEMO_STAFF, fresh
    # Still the demo's own password: show it again; a rotated one was shown once, when it was made.
    return DEMO_STAFF, password if check_password(password, staff.password_hash) else None


def demo_badge_code(serial: int) -> str:
    payload = DEMO_BADGE_PAYLOADS[serial - 1]
    return payload + check_symbol(payload)


def _claim_code(session: Session, badge: Badge, code: str) -> None:
    """Give the badge the fixed demo code unless some other badge holds it already."""
    if session.scalar(select(Badge.id).where(Badge.code == code)) is None:
        badge.code = code
        session.flush()


def _claim_binding_codes(session: Session, engagement: Engagement) -> None:
    taken = session.scalar(select(Engagement.id).where(
        Engagement.id != engagement.id,
        Engagement.nurse_code.in_((DEMO_NURSE_CODE, DEMO_FAMILY_CODE))
        | Engagement.family_code.in_((DEMO_NURSE_CODE, DEMO_FAMILY_CODE))))
    if taken is None:
        engagement.nurse_code, engagement.family_code = DEMO_NURSE_CODE, DEMO_FAMILY_CODE
        session.flush()


def _avatar(colour: str) -> bytes:
    """A plain portrait placeholder (head and shoulders), so the demo profile has a photo to show."""
    image = Image.new("RGB", (480, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 110, 330, 300), fill="#f1d3bd")
    draw.rectangle((165, 60, 315, 150), fill="#3b2a22")
    draw.ellipse((80, 320, 400, 640), fill="#6d8fb3")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _id_number(birth: dt.date, serial: int) -> str:
    first17 = f"330203{birth:%Y%m%d}{serial:03d}"
    return first17 + id_check_symbol(first17)


def seed(session: Session, cipher: FieldCipher, tz: ZoneInfo, now: dt.datetime, *, fixed_key: str | None = None,
         rotate_key: bool = False) -> Seeded:
    """Create the demo data once and return it; later calls return what exists.

    ``fixed_key`` (development) is the agency key and the codes are the fixed demo codes; without it
    they are random. The key changes on a later call only with ``rotate_key``.
    """
    today = now.astimezone(tz).date()
    agency = session.scalar(select(Agency).where(Agency.name == DEMO_AGENCY))
    if agency is not None:
        key: str | None = None
        if rotate_key:
            key = new_api_key()
            agency.api_key_hash = hash_api_key(key)
        elif fixed_key and agency.api_key_hash == hash_api_key(fixed_key):
            key = fixed_key
        workers = list(session.scalars(select(Worker).where(Worker.agency_id == agency.id).order_by(Worker.id)))
        badges = [(b, w) for w in workers for b in session.scalars(
            select(Badge).where(Badge.worker_id == w.id, Badge.revoked_at.is_(None)))]
        engagement = session.scalars(select(Engagement).where(Engagement.agency_id == agency.id)).first()
        assert engagement is not None
        return Seeded(agency, key, badges, engagement, created=False)

    agency, key = create_agency(session, DEMO_AGENCY)
    if fixed_key and not rotate_key:
        key = fixed_key
        agency.api_key_hash = hash_api_key(key)
    badges = []
    for serial, (name, gender, birth, services, years, valid_days, consent) in enumerate(WORKERS, start=1):
        fields = parse_worker({
            "name": name, "id_number": _id_number(birth, serial * 7), "phone": f"1395740{serial:04d}",
            "gender": gender, "birth_date": birth.isoformat(), "service_types": services,
            "experience_years": years, "hometown": "浙江宁波",
        }, today)
        worker = register_worker(session, agency, fields, cipher)
        set_photo(session, worker, _avatar(("#f6e3ea", "#e3eef6", "#eef6e3")[serial - 1]))
        for kind in ("identity", "health", "no_criminal_record", "training_exam", "vocational_cert", "insurance"):
            expires = today + dt.timedelta(days=valid_days) if kind in ("health", "insurance") else None
            issued = today - dt.timedelta(days=300) if expires else None
            record_verification(session, worker, kind=kind, status="verified",
                                document_no=f"DEMO-{kind[:3].upper()}-{serial:04d}", issued_on=issued,
                                expires_on=expires, today=today, cipher=cipher)
        if consent:
            record_consent(session, worker, today - dt.timedelta(days=30), today)
        badge = issue_badge(session, worker, today)
        if fixed_key:
            _claim_code(session, badge, demo_badge_code(serial))
        badges.append((badge, worker))

    nurse = badges[0][1]
    engagement = open_engagement(
        session, agency, nurse.id, starts_on=today - dt.timedelta(days=len(DIARY_DAYS)),
        ends_on=today + dt.timedelta(days=26), family_name="王家", baby_nickname="小米",
        baby_birth_date=today - dt.timedelta(days=len(DIARY_DAYS) + 3), birth_weight_g=3350,
    )
    if fixed_key:
        _claim_binding_codes(session, engagement)
    bind(session, NURSE_OPENID, engagement.nurse_code, now, tz)
    bind(session, PARENT_OPENID, engagement.family_code, now, tz)
    for openid in (NURSE_OPENID, PARENT_OPENID):
        if session.scalar(select(ChatUser).where(ChatUser.openid == openid)) is None:
            session.add(ChatUser(openid=openid, last_message_at=now, subscribed=True))
    lines_by_time: list[tuple[str, dt.datetime]] = []
    for offset, lines in enumerate(DIARY_DAYS):
        day = engagement.starts_on + dt.timedelta(days=offset)
        sent_at = dt.datetime.combine(day, dt.time(23, 30), tzinfo=tz)
        lines_by_time += [(line, sent_at) for line in lines]
    local_now = now.astimezone(tz)
    for line in TODAY:
        hour, minute = (int(part) for part in line.split(" ", 1)[0].split(":"))
        moment = dt.datetime.combine(today, dt.time(hour, minute), tzinfo=tz)
        if moment <= local_now - dt.timedelta(minutes=5):
            lines_by_time.append((line, local_now))
    for line, sent_at in lines_by_time:
        for entry in parse_lines(line, sent_at, tz):
            # Each line recorded a few minutes after it happened, as a nurse keeping up would.
            recorded = min(entry.occurred_at + dt.timedelta(minutes=3), now)
            record_entries(session, engagement, NURSE_OPENID, [entry], recorded, tz)
    rate_day(session, engagement, PARENT_OPENID, today - dt.timedelta(days=1), 5, "辛苦了，宝宝睡得很好", now)
    session.flush()
    return Seeded(agency, key, badges, engagement, created=True)


@click.command("seed-demo")
@click.option("--rotate-key", is_flag=True, help="Give the demo agency a fresh random API key (the old one stops working).")
@click.option("--rotate-password", is_flag=True, help="Give the demo console account a fresh random password.")
@with_appcontext
def seed_demo_command(rotate_key: bool, rotate_password: bool) -> None:
    """Load demo data (idempotent) and print the codes to try; the agency key is the last line."""
    app = current_app
    if app.config["ANXIN_ENV"] != "development":
        raise click.ClickException("seed-demo is for development: ANXIN_ENV is production")
    tz = ZoneInfo(app.config["ANXIN_TIMEZONE"])
    public = app.config["ANXIN_PUBLIC_URL"].rstrip("/")
    with get_db().new_session() as session, session.begin():
        seeded = seed(session, app.extensions["anxin_cipher"], tz, utcnow(),
                      fixed_key=demo_key(app.config["ANXIN_SECRET_KEY"]), rotate_key=rotate_key)
        click.echo("演示数据已创建 (demo data created)" if seeded.created else "演示数据已存在 (demo data already there)")
        click.echo(f"\n机构 {seeded.agency.name}（编号 {seeded.agency.id}）")
        click.echo("\n工牌 badges:")
        for badge, worker in seeded.badges:
            click.echo(f"  {format_code(badge.code)}  {worker.name[0]}*{worker.name[-1]}  {public}/b/{badge.code}")
        engagement = seeded.engagement
        click.echo(f"\n上户 engagement {engagement.id}: {engagement.family_name}，"
                   f"月嫂码 {engagement.nurse_code}（已被 {NURSE_OPENID} 使用），家属码 {engagement.family_code}")
        first_badge = format_code(seeded.badges[0][0].code)
        click.echo("\n试试聊天 try the chat (in another terminal, with the server running):")
        click.echo(f"  flask --app bot chat --url {public} --as {PARENT_OPENID} 今天")
        click.echo(f'  flask --app bot chat --url {public} --as {NURSE_OPENID} "8:30 喂奶 100ml"')
        click.echo(f"  flask --app bot chat --url {public} --as demo-visitor {first_badge}")
        click.echo(f"  flask --app bot chat --url {public} --as new-grandma 绑定 {engagement.family_code}")
        click.echo("\n小程序 mini-program (the local WeChat stand-in accepts any login code):")
        click.echo(f"""  curl -s {public}/mp/v1/login -H 'Content-Type: application/json' -d '{{"code": "{PARENT_OPENID}:1"}}'""")
        click.echo("  flask --app bot outbox    # what each person would have received")
        username, password = demo_staff(session, seeded.agency.id, demo_password(app.config["ANXIN_SECRET_KEY"]),
                                        rotate_password)
        click.echo(f"\n机构后台 back office: {public}/console/login  用户名 {username}  "
                   + (f"密码 {password}" if password is not None
                      else "密码未变 (password unchanged; seed-demo --rotate-password makes a new one)"))
        if seeded.key is None:
            click.echo("\n机构 API 密钥未变 (the agency key is unchanged: it was shown when it was rotated; "
                       "seed-demo --rotate-key makes a new one)")
            return
        click.echo("\n机构 API 密钥 agency API key" + ("（新的，旧密钥已失效 new; the previous one no longer works）"
                                                      if rotate_key else "（每次相同 the same on every run）") + ":")
        click.echo(seeded.key)


def demo_accounts(session: Session) -> list[str]:
    """What of the demo is in this database: its agency (whose API key anyone can derive from a development
    secret key) and its console account. Production refuses to serve while either exists."""
    found = []
    if session.scalar(select(Agency.id).where(Agency.name == DEMO_AGENCY)) is not None:
        found.append(f"the demo agency {DEMO_AGENCY}")
    if session.scalar(select(Staff.id).where(Staff.username == DEMO_STAFF)) is not None:
        found.append(f"the demo console account {DEMO_STAFF}")
    return found


def remove_demo(session: Session) -> int:
    """Delete the demo agency with every row that belongs to it, and the demo console account; return the rows.

    Walks the foreign keys from the agency down (the tables in dependency order), so a table added later is
    covered without naming it here."""
    clauses: dict[Table, list[ColumnElement[bool]]] = {}
    ids: dict[Table, set[int]] = {}
    agency = Agency.__table__
    staff = Staff.__table__
    assert isinstance(agency, Table) and isinstance(staff, Table)
    ids[agency] = set(session.scalars(select(Agency.id).where(Agency.name == DEMO_AGENCY)))
    clauses[agency] = [agency.c.id.in_(ids[agency])]
    clauses[staff] = [staff.c.username == DEMO_STAFF]
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            parent_ids = ids.get(fk.column.table)
            if parent_ids and fk.column.name == "id":
                clauses.setdefault(table, []).append(fk.parent.in_(parent_ids))
        if table in clauses and "id" in table.c and table is not agency:
            ids[table] = set(session.scalars(select(table.c.id).where(or_(*clauses[table]))))
    removed = 0
    for table in reversed(Base.metadata.sorted_tables):
        if table in clauses:
            result = cast(CursorResult[Any], session.execute(delete(table).where(or_(*clauses[table]))))
            removed += int(result.rowcount or 0)
    return removed


@click.command("remove-demo")
@click.option("--yes", is_flag=True, help="Do it without asking.")
@with_appcontext
def remove_demo_command(yes: bool) -> None:
    """Delete the demo agency, all its data and the demo console account (before serving production)."""
    with get_db().new_session() as session, session.begin():
        found = demo_accounts(session)
        if not found:
            click.echo("没有演示数据 (no demo data in this database)")
            return
        if not yes:
            click.confirm(f"删除 remove {', '.join(found)} and all their data?", abort=True)
        removed = remove_demo(session)
    click.echo(f"演示数据已删除 (demo data removed: {removed} rows)")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(remove_demo_command)
