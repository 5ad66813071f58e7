"""Deliver the outbox: send pending notifications through the WeChat API, once each.

Runs outside any request: called by the scheduler, by ``run-job``, and right after
a transaction that queued something urgent. Rows are claimed (``sending``) in a
short transaction, urgent flags first, sent with no transaction open, then marked
``sent``. Before a row is sent its channel plan is decided (``bot.delivery.plan``:
customer-service message while the window is open and our count allows, else the
template message, else the mini-program subscription message); a refusal that closes
a channel (45047, 45015, 43004) moves it to the next channel at once, and every try
is kept (``delivery_attempt``). A send that fails on the way (a timeout, a system
error) goes back to ``pending`` with back-off.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import CursorResult, case, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.core.clock import utcnow
from bot.delivery import plan as plans
from bot.diary import texts
from bot.models import ChatUser, DeliveryAttempt, DiaryFlag, InboundMessage, Notification
from bot.models.wechat import EVENT_PREFIX
from bot.outbox import cards, daylinks
from bot.outbox.queue import backoff
from bot.store.retry import retried

if TYPE_CHECKING:
    from bot.diary.alerts import SmsReach

log = logging.getLogger("anxin.notify")

MAX_ATTEMPTS = 8
# A row left in "sending" this long (the process died mid-send) is tried again.
STALE_SENDING = dt.timedelta(minutes=10)
CUSTOMER_SERVICE_WINDOW = dt.timedelta(hours=48)
TEXT_LIMIT_BYTES = 2048  # a customer-service text message, in UTF-8 (45002 beyond)


@retried("notify.claim")
def _claim(session_factory: sessionmaker[Session], now: dt.datetime, limit: int) -> list[tuple[int, int]]:
    """Mark due rows ``sending``; return (id, attempts) pairs, the attempt number being this claim's token."""
    with session_factory() as session, session.begin():
        due = select(Notification.id).where(
            or_(
                (Notification.status == "pending") & (Notification.next_attempt_at <= now),
                (Notification.status == "sending") & (Notification.next_attempt_at <= now - STALE_SENDING),
            )
        ).order_by(case((Notification.kind == "flag", 0), else_=1), Notification.id).limit(limit)
        if session.get_bind().dialect.name in ("mysql", "mariadb"):
            due = due.with_for_update(skip_locked=True)
        ids = list(session.scalars(due))
        if not ids:
            return []
        session.execute(
            update(Notification).where(Notification.id.in_(ids))
            .values(status="sending", next_attempt_at=now, attempts=Notification.attempts + 1)
        )
        return [(row.id, row.attempts) for row in session.execute(
            select(Notification.id, Notification.attempts).where(Notification.id.in_(ids))
            .order_by(case((Notification.kind == "flag", 0), else_=1), Notification.id)
        )]


def _still_ours(note_id: int, attempts: int) -> Any:
    """The row is still in the hands of the claim that made attempt ``attempts``."""
    return (Notification.id == note_id) & (Notification.status == "sending") & (Notification.attempts == attempts)


@retried("notify.renew")
def _renew(session_factory: sessionmaker[Session], note_id: int, attempts: int, moment: dt.datetime | None = None
           ) -> bool:
    """Refresh this claim just before sending, at the run's clock ``moment`` (the claims' clock, which a run for
    another time than now keeps: renewed at the wall clock, a claim looked stale to that run's other threads and
    went out twice); False if another sender took the row over meanwhile."""
    with session_factory() as session, session.begin():
        result = cast(CursorResult[Any], session.execute(
            update(Notification).where(_still_ours(note_id, attempts)).values(next_attempt_at=moment or utcnow())
        ))
        return result.rowcount == 1


class OutsideWindow(Exception):
    """The user has not written for 48 hours and no template message is configured."""


class Stale(Exception):
    """A notification that will never go out (too late, nobody to send it to, no grant)."""


class Duplicate(Exception):
    """The same person (same unionid) gets this message through the Official Account."""


# Kinds that are only worth sending soon after they were queued.
MAX_AGE = {"reminder": dt.timedelta(minutes=30)}
# WeChat's errcodes for "too many calls": stop this run, the rows go out on the next one.
# https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html
RATE_LIMITED = {45009, 45011, 45035}
# Refusals that sending again will not change: 43004 unfollowed, 43101 refused or no subscription grant,
# 40003 openid not of this app, 47003 a field WeChat will not take (our bug; retried it fails the same way).
FINAL_ERRCODES = {43004, 43101, 40003, 47003}
# Sends per second over all threads of a run; WeChat allows far more calls a minute than this, and a
# digest of 20,000 messages still goes out in under 7 minutes at this pace.
MAX_SENDS_PER_SECOND = 50.0
SEND_WORKERS = 4


class _Pace:
    """At most ``rate`` sends a second across threads (a shared schedule of send slots)."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


def send_pending(
    session_factory: sessionmaker[Session],
    api: WeChatClient,
    settings: Mapping[str, Any],
    now: dt.datetime | None = None,
    limit: int = 200,
    workers: int = 1,
    drain: bool = False,
    rate: float = MAX_SENDS_PER_SECOND,
) -> dict[str, int]:
    """Send what is due; return how many were sent, retried later, and given up.

    One batch of ``limit`` by default; ``drain`` keeps claiming batches until nothing is due,
    in ``workers`` threads, at most ``rate`` sends a second. WeChat answering "too many
    calls" stops the run: what it had claimed goes back to the queue untouched.
    """
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    lock = threading.Lock()
    throttled = threading.Event()
    pace = _Pace(rate)
    started = time.monotonic()

    def work() -> None:
        while not throttled.is_set():
            claimed = _claim(session_factory, now, limit)
            for n, (note_id, attempts) in enumerate(claimed):
                if throttled.is_set():
                    _release(session_factory, claimed[n:])
                    return
                pace.wait()
                # The run's clock moved on by the time this batch took: back-off counts from there.
                moment = now + dt.timedelta(seconds=time.monotonic() - started)
                outcome = _deliver_one(session_factory, api, settings, note_id, attempts, now, moment, throttled)
                if outcome:
                    with lock:
                        counts[outcome] += 1
            if not drain or len(claimed) < limit:
                return

    if workers <= 1:
        work()
        return counts
    errors: list[BaseException] = []

    def guarded() -> None:
        try:
            work()
        except BaseException as exc:  # re-raised in the caller's thread below, never lost in a worker
            throttled.set()
            errors.append(exc)

    threads = [threading.Thread(target=guarded, name=f"anxin-send-{n}") for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return counts


@retried("notify.release")
def _release(session_factory: sessionmaker[Session], claimed: list[tuple[int, int]]) -> None:
    """Hand rows claimed but not tried back to the queue, their attempt not counted."""
    with session_factory() as session, session.begin():
        for note_id, attempts in claimed:
            session.execute(update(Notification).where(_still_ours(note_id, attempts))
                            .values(status="pending", attempts=Notification.attempts - 1))


def window_of(session: Session, openid: str) -> tuple[bool, dt.datetime | None]:
    """Whether ``openid`` follows the Official Account, and when WeChat's window last opened (message or event)."""
    follows, wrote, event = window_parts(session, openid)
    return follows, max((t for t in (event, wrote) if t is not None), default=None)


def window_parts(session: Session, openid: str) -> tuple[bool, dt.datetime | None, dt.datetime | None]:
    """Whether ``openid`` follows the Official Account, when they last wrote, and when an event last counted.

    One query. A message opens the window (its ``inbound_message`` row); so do the events that count
    (``chat_user.last_message_at``, which the inbox keeps for events only), for a shorter time.
    """
    by_event = select(ChatUser.last_message_at).where(ChatUser.openid == openid).scalar_subquery()
    by_message = (select(InboundMessage.received_at)
                  .where(InboundMessage.openid == openid, InboundMessage.msg_type.not_like(f"{EVENT_PREFIX}%"))
                  .order_by(InboundMessage.received_at.desc()).limit(1).scalar_subquery())
    row = session.execute(select(exists().where(ChatUser.openid == openid).label("known"),
                                 by_event.label("opened"), by_message.label("wrote"))).one()
    return bool(row.known) or row.wrote is not None, row.wrote, row.opened


class Refused(Exception):
    """Every channel of the plan refused this notification (or none could carry it)."""


def _deliver_one(session_factory: sessionmaker[Session], api: WeChatClient, settings: Mapping[str, Any],
                 note_id: int, attempts: int, now: dt.datetime, moment: dt.datetime,
                 throttled: threading.Event) -> str | None:
    """Send one claimed row along its plan; return the outcome to count (None: another sender has it)."""
    # A long batch may outlive STALE_SENDING: never send a row another sender has taken over.
    if not _renew(session_factory, note_id, attempts, moment):
        return None
    with session_factory() as session:
        note = session.get(Notification, note_id)
        if note is None:  # deleted since the claim was renewed: nothing left to send
            return None
        texting = bool(note.phone_enc)
        if not texting:
            follower, wrote, event = window_parts(session, note.openid)
            card = _card_of(session, note, settings)
        session.expunge(note)  # a detached copy: no transaction stays open while we talk to WeChat
    if texting:
        return _deliver_sms(session_factory, settings, note, attempts, now, moment)
    window = plans.open_window(wrote, event, now)
    purpose = str(card["purpose"])
    mp_template = plans.mini_program_template(settings, purpose) if getattr(api, "mini_program", None) else None
    plan = plans.plan_for(note.kind, follower, window, template_for(settings, purpose), mp_template)
    channel: str | None = None
    link: str | None = None  # the link the message carried, kept with its delivery (``flask outbox`` shows it)
    try:
        if note.kind in MAX_AGE and now - note.created_at > MAX_AGE[note.kind]:
            raise Stale(f"{note.kind} older than {MAX_AGE[note.kind]}: no longer worth sending")
        if not plan:
            if follower:
                raise OutsideWindow("用户48小时内未互动且未配置模板消息 (outside the 48-hour window, no ANXIN_TEMPLATE_*)")
            raise Stale("not a user of the Official Account, and no mini-program subscription template for "
                        f"{purpose} (ANXIN_MP_TEMPLATE_{purpose.upper()})")
        refusals: list[str] = []
        closed_for_good = False  # 43004: no longer a follower; a spent quota or a closed window opens again
        for step in plan:
            channel = step
            try:
                channel, link = _send_by(session_factory, api, note, card, step, window, settings)
                break
            except WeChatClientException as exc:
                if exc.errcode not in plans.NEXT_CHANNEL:
                    raise
                closed_for_good = closed_for_good or exc.errcode == 43004
                refusals.append(f"{step}: {exc.errcode} {exc.errmsg}")
                _attempted(session_factory, note, step, "refused", f"{exc.errcode} {exc.errmsg}", now)
            except QuotaSpent as exc:
                refusals.append(f"{step}: {exc}")
        else:
            if not closed_for_good:  # only the window stood in the way (no template): wait for the user to write
                raise OutsideWindow("; ".join(refusals))
            raise Refused("; ".join(refusals))
    except (Stale, Duplicate, Refused) as exc:
        if isinstance(exc, Stale) and channel == "subscribe":
            _attempted(session_factory, note, "subscribe", "refused", str(exc), now)
        outcome = _failed(session_factory, note_id, attempts, str(exc), moment, final=True,
                          status="skipped" if isinstance(exc, Duplicate) else "failed", plan=plan)
        _text_if_unreached(session_factory, settings, note, now)
        return outcome
    except WeChatClientException as exc:
        if exc.errcode in RATE_LIMITED:
            throttled.set()
        if channel is not None:
            _attempted(session_factory, note, channel, "refused" if exc.errcode in FINAL_ERRCODES else "error",
                       f"{exc.errcode} {exc.errmsg}", now)
        outcome = _failed(session_factory, note_id, attempts, str(exc), moment, final=exc.errcode in FINAL_ERRCODES,
                          plan=plan)
        if exc.errcode in FINAL_ERRCODES:
            _text_if_unreached(session_factory, settings, note, now)
        return outcome
    except (OSError, OutsideWindow) as exc:
        if channel is not None:
            _attempted(session_factory, note, channel, "error", str(exc)[:255], now)
        return _failed(session_factory, note_id, attempts, str(exc), moment, plan=plan)
    _mark_sent(session_factory, note, attempts, channel, ",".join(plan), link=link)
    log.info("notify.sent", extra={"fields": {"key": note.key, "channel": channel}})
    return "sent"


@retried("notify.sent")
def _mark_sent(session_factory: sessionmaker[Session], note: Notification, attempts: int, channel: str,
               plan: str, role: str | None = None, link: str | None = None) -> None:
    """Record the send of a row still in this claim's hands (with the link it carried), and for an urgent flag,
    in its trail."""
    with session_factory() as session, session.begin():
        done = cast(CursorResult[Any], session.execute(
            update(Notification).where(_still_ours(note.id, attempts))
            .values(status="sent", sent_at=utcnow(), channel=channel, last_error=None, plan=plan)
        ))
        if done.rowcount != 1:
            return
        session.add(DeliveryAttempt(notification_id=note.id, channel=_reported(channel), outcome="sent",
                                    detail=link if link and len(link) <= LINK_DETAIL else None, at=utcnow()))
        flag_id = _flag_of(note.key)
        if flag_id is not None and session.get(DiaryFlag, flag_id) is not None:
            from bot.diary.alerts import record_event

            record_event(session, flag_id, "sent", utcnow(), actor=note.openid, role=role, channel=channel)


# Our own limit of SMS per phone, below Tencent's defaults (one a 30 seconds, five an hour, for one number).
SMS_PER_MINUTE = 1
SMS_PER_HOUR = 5


def sms_reach(settings: Mapping[str, Any]) -> SmsReach | None:
    """The diary's SmsReach when SMS is configured (ANXIN_SMS_PROVIDER), else None."""
    if not settings.get("ANXIN_SMS_PROVIDER"):
        return None
    from bot.core.security import FieldCipher
    from bot.diary.alerts import SmsReach

    return SmsReach(FieldCipher.from_settings(settings), str(settings["ANXIN_PUBLIC_URL"]))


def _text_if_unreached(session_factory: sessionmaker[Session], settings: Mapping[str, Any], note: Notification,
                       now: dt.datetime) -> None:
    """A parent's urgent flag went by no WeChat channel: text the family at once if nobody else was reached."""
    flag_id = _flag_of(note.key)
    reach = sms_reach(settings)
    if flag_id is None or reach is None or not note.key.startswith("flag:"):
        return
    from bot.diary.alerts import text_unreached

    with session_factory() as session, session.begin():
        queued = text_unreached(session, now, ZoneInfo(settings["ANXIN_TIMEZONE"]), reach, flag_ids=[flag_id])
    if queued:
        log.info("notify.sms_fallback", extra={"fields": {"flag": flag_id, "sms": queued}})


def _deliver_sms(session_factory: sessionmaker[Session], settings: Mapping[str, Any], note: Notification,
                 attempts: int, now: dt.datetime, moment: dt.datetime) -> str:
    """Send one SMS notification through Tencent Cloud; refusals that may pass later are retried with back-off."""
    from bot.cloud.sms import SmsRefused, send_sms
    from bot.core.security import FieldCipher
    from bot.store.ratelimit import counter_for, hit

    if not settings.get("ANXIN_SMS_PROVIDER"):
        return _failed(session_factory, note.id, attempts, "SMS is not configured (ANXIN_SMS_PROVIDER)", moment,
                       final=True, plan=["sms"])
    cipher = FieldCipher.from_settings(settings)
    from bot.diary.alerts import SMS_PHONE_CONTEXT

    phone = cipher.decrypt(str(note.phone_enc), SMS_PHONE_CONTEXT)
    digest = cipher.digest(phone, "sms")[:32]
    with session_factory() as session, session.begin():
        store = counter_for(settings, session)
        within = hit(store, f"sms:minute:{digest}", SMS_PER_MINUTE, 60) and hit(store, f"sms:hour:{digest}",
                                                                              SMS_PER_HOUR, 3600)
    if not within:
        _attempted(session_factory, note, "sms", "error", "rate-limited per phone (ours)", now)
        return _failed(session_factory, note.id, attempts, "rate-limited per phone (ours): sent again later", moment,
                       plan=["sms"])
    params = [str(p) for p in (note.template or {}).get("sms", [])]
    try:
        send_sms(settings, phone, str(settings["ANXIN_SMS_TEMPLATE_FLAG"]), params)
    except SmsRefused as exc:
        _attempted(session_factory, note, "sms", "error" if exc.retryable else "refused", str(exc), now)
        return _failed(session_factory, note.id, attempts, str(exc), moment, final=not exc.retryable, plan=["sms"])
    except OSError as exc:
        _attempted(session_factory, note, "sms", "error", str(exc), now)
        return _failed(session_factory, note.id, attempts, str(exc), moment, plan=["sms"])
    _mark_sent(session_factory, note, attempts, "sms", "sms", str((note.template or {}).get("role") or "") or None)
    log.info("notify.sent", extra={"fields": {"key": note.key[:24], "channel": "sms"}})
    return "sent"


class QuotaSpent(Exception):
    """Our own count says the customer-service window allows this notification no more messages."""


# The longest link a delivery keeps (DeliveryAttempt.detail).
LINK_DETAIL = 255


def _send_by(session_factory: sessionmaker[Session], api: WeChatClient, note: Notification, card: dict[str, Any],
             channel: str, window: plans.Window | None, settings: Mapping[str, Any]) -> tuple[str, str | None]:
    """Send ``note`` by one channel of its plan; return the channel it went by and the link it carried."""
    if channel == "custom":
        assert window is not None
        if not plans.take_custom(session_factory, note.openid, window, plans.custom_allowance(note.kind, window)):
            raise QuotaSpent(f"{plans.custom_allowance(note.kind, window)} of {window.limit} customer-service "
                             "messages of this window used")
        url, _ = _link(card, note.openid, settings)
        try:
            api.message.send_text(note.openid, _with_link(note.text, url))
        except WeChatClientException as exc:
            if exc.errcode in (45047, 45015):
                plans.spend_custom(session_factory, note.openid, window)
            elif exc.errcode != 43004:
                plans.give_back_custom(session_factory, note.openid, window)
            raise
        except OSError:
            plans.give_back_custom(session_factory, note.openid, window)
            raise
        return "custom", url
    if channel == "template":
        return _send_template(api, note, card, settings)
    return _send_mini_program(session_factory, api, note, card, settings)


def _reported(channel: str) -> str:
    """The channel as the deliveries report names it (an Official Account subscription notice is a subscription)."""
    return "subscribe" if channel == "bizsend" else channel


@retried("notify.attempted")
def _attempted(session_factory: sessionmaker[Session], note: Notification, channel: str, outcome: str,
               detail: str, now: dt.datetime) -> None:
    """Keep one try of one channel; a refusal of an urgent flag goes into the flag's trail."""
    with session_factory() as session, session.begin():
        session.add(DeliveryAttempt(notification_id=note.id, channel=_reported(channel), outcome=outcome,
                                    detail=detail[:255], at=utcnow()))
        flag_id = _flag_of(note.key)
        if outcome == "refused" and flag_id is not None and session.get(DiaryFlag, flag_id) is not None:
            from bot.diary.alerts import record_event

            record_event(session, flag_id, "refused", utcnow(), actor=note.openid, channel=channel,
                         note=detail[:255])


def _flag_of(key: str) -> int | None:
    """The flag a notification is about: ``flag:ID:openid``, ``escalate:ID:round:openid`` or ``sms:ID:phone``."""
    kind, _, rest = key.partition(":")
    if kind not in ("flag", "escalate", "sms"):
        return None
    head = rest.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def _card_of(session: Session, note: Notification, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The note's card: stored with it, built from its flag, or made from its text (older rows)."""
    if cards.is_card(note.template):
        assert note.template is not None
        return note.template
    tz = ZoneInfo(settings["ANXIN_TIMEZONE"])
    flag_id = _flag_of(note.key)
    if flag_id is not None:
        from bot.diary.alerts import flag_card

        built = flag_card(session, flag_id, tz)
        if built is not None:
            return built
    first = (note.text.splitlines() or [""])[0]
    return cards.card(note.kind if note.kind in cards.PURPOSES else "flag", first,
                      KIND_PHRASES.get(note.kind, "提醒"), note.created_at.astimezone(tz), hint=KIND_LABELS.get(note.kind))


def _link(card: dict[str, Any], openid: str, settings: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The card's web link (``/d/TOKEN`` for this reader) and mini-program page, if it has one."""
    link = card.get("link")
    if not link:
        return None, None
    day = dt.date.fromisoformat(link["day"])
    url = daylinks.day_url(settings, int(link["engagement_id"]), day, openid, link.get("flag_id"))
    return url, daylinks.miniprogram_page(int(link["engagement_id"]), day, link.get("flag_id"))


def _with_link(text: str, url: str | None) -> str:
    """The text with its link last, cut so that the whole stays within WeChat's 2,048 bytes."""
    if not url:
        return text
    tail = "\n" + texts.DAY_LINK.format(url=url)
    budget = TEXT_LIMIT_BYTES - len(tail.encode("utf-8"))
    if len(text.encode("utf-8")) > budget:
        text = text.encode("utf-8")[: budget - 3].decode("utf-8", "ignore") + "…"
    return text + tail


def template_for(settings: Mapping[str, Any], purpose: str) -> str | None:
    """The Official Account template configured for ``purpose`` (ANXIN_TEMPLATE_FLAG …), else the generic one."""
    specific = settings.get(f"ANXIN_TEMPLATE_{purpose.upper()}")
    return specific or settings.get("ANXIN_WECHAT_TEMPLATE_ID")


def _send_template(api: WeChatClient, note: Notification, card: dict[str, Any], settings: Mapping[str, Any]
                   ) -> tuple[str, str | None]:
    """Send by template message, or by Official Account subscription notification (a ``sub:`` template id).

    Template messages: https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
    Subscription notifications: https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
    """
    url, page = _link(card, note.openid, settings)
    template_id = template_for(settings, str(card["purpose"]))
    assert template_id
    data = cards.as_data(card["fields"])
    mini_program = _mini_program(settings, page)
    if template_id.startswith(SUBSCRIPTION_PREFIX):
        body: dict[str, Any] = {"touser": note.openid, "template_id": template_id[len(SUBSCRIPTION_PREFIX):],
                                "data": data}
        if url:
            body["page"] = url
        if mini_program:
            body["miniprogram"] = {"appid": mini_program["appid"], "pagepath": mini_program["pagepath"]}
        api.post("message/subscribe/bizsend", data=body)
        return "bizsend", url
    api.message.send_template(note.openid, template_id, data, url=url, mini_program=mini_program)
    return "template", url


SUBSCRIPTION_PREFIX = "sub:"


def _mini_program(settings: Mapping[str, Any], page: str | None) -> dict[str, str] | None:
    """Open the mini-program's day page instead of the web page, where the mini-program sends notifications."""
    if not page or not (settings.get("ANXIN_MP_TEMPLATE_FLAG") or settings.get("ANXIN_MP_TEMPLATE_DIGEST")):
        return None
    return {"appid": str(settings["ANXIN_MP_APPID"]), "pagepath": page}


def _send_mini_program(session_factory: sessionmaker[Session], api: WeChatClient, note: Notification,
                       card: dict[str, Any], settings: Mapping[str, Any]) -> tuple[str, str | None]:
    """A subscription message to someone known only in the mini-program, if they granted one.

    Doc: https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html
    """
    from bot.outbox.subscriptions import take_grant

    purpose = str(card["purpose"])
    template_id = settings.get(f"ANXIN_MP_TEMPLATE_{purpose.upper()}")
    mini_program = getattr(api, "mini_program", None)
    if not template_id or mini_program is None:
        raise Stale("not a user of the Official Account, and no mini-program subscription template for "
                    f"{purpose} (ANXIN_MP_TEMPLATE_{purpose.upper()})")
    sibling = _same_person_elsewhere(session_factory, api, note)
    if sibling is not None:
        raise Duplicate(f"same person as {sibling} (same unionid), who gets it through the Official Account")
    with session_factory() as session, session.begin():
        if not take_grant(session, note.openid, template_id):
            raise Stale("用户未订阅该消息 (no subscription grant left for this template)")
    _, page = _link(card, note.openid, settings)
    body = {"touser": note.openid, "template_id": template_id, "data": cards.as_data(card["fields"]),
            "page": page or daylinks.MINIPROGRAM_DAY_PAGE}
    mini_program.post("message/subscribe/send", data=body)
    return "subscribe", str(body["page"])


def _same_person_elsewhere(session_factory: sessionmaker[Session], api: WeChatClient,
                           note: Notification) -> str | None:
    """The Official Account openid of the same person (same unionid) who has the same message queued, if any.

    The key of a message names its recipient (``flag:12:OPENID``); the same message to another
    openid is the same key with that openid. Official Account followers' unionids are asked of
    WeChat once (``/cgi-bin/user/info``, with no transaction open) and kept.
    Doc: https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html
    """
    from bot.outbox.subscriptions import identity_of, remember_identity

    with session_factory() as session:
        mine = identity_of(session, note.openid)
        if mine is None or not mine.unionid or note.openid not in note.key:
            return None
        unionid = mine.unionid
        candidates: list[tuple[str, str | None, bool]] = []
        pattern = note.key.replace(note.openid, "%")
        for key, openid in session.execute(
            select(Notification.key, Notification.openid).where(Notification.key.like(pattern),
                                                                Notification.openid != note.openid)
        ):
            if key != note.key.replace(note.openid, openid):
                continue
            known = identity_of(session, openid)
            follower, _ = window_of(session, openid)
            candidates.append((openid, known.unionid if known else None, known is None and follower))
    for openid, known_unionid, ask in candidates:
        if ask:
            known_unionid = api.user.get(openid).get("unionid")
            with session_factory() as session, session.begin():
                remember_identity(session, openid, "oa", known_unionid)
        if known_unionid == unionid:
            return openid
    return None


KIND_LABELS = {
    "digest": "今日月子日记",
    "flag": "健康提醒",
    "reminder": "记录提醒",
    "expiry": "证件到期提醒",
    "followup": "消息回复",
    "complaint": "投诉回复",
    "lookup": "工牌查询提醒",
}
KIND_PHRASES = {"digest": "今日小结", "flag": "提醒", "reminder": "记录提醒", "expiry": "证件到期",
                "followup": "回复", "complaint": "投诉回复", "lookup": "查询异常"}


@retried("notify.failed")
def _failed(session_factory: sessionmaker[Session], note_id: int, attempts: int, error: str, now: dt.datetime,
            final: bool = False, status: str = "failed", plan: list[str] | None = None) -> str:
    with session_factory() as session, session.begin():
        note = session.scalar(select(Notification).where(_still_ours(note_id, attempts)))
        if note is None:
            return "retry"  # another sender took the row over; it decides what happens next
        note.last_error = error[:1000]
        if plan is not None:
            note.plan = ",".join(plan)
        if final or note.attempts >= MAX_ATTEMPTS:
            note.status = status
            outcome = "failed"
        else:
            note.status = "pending"
            note.next_attempt_at = now + backoff(note.attempts)
            outcome = "retry"
    log.warning("notify.send_failed", extra={"fields": {"id": note_id, "error": error[:200], "outcome": outcome}})
    return outcome


def delivery(app: Flask) -> Callable[[], dict[str, int]]:
    """The work of sending what is due for ``app``, to run in a background thread."""

    def work() -> dict[str, int]:
        from bot.delivery.wechat_api import get_api
        from bot.store.db import get_db

        factory = get_db(app).session_factory
        assert factory is not None
        return send_pending(factory, get_api(app), app.config)

    return work


def deliver_soon(app: Flask) -> None:
    """Send what the outbox holds now, in a background thread (the scheduled sweep covers a crash)."""
    from bot.store import background

    background.start("deliver", delivery(app))
