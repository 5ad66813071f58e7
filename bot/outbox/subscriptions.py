"""What the mini-program's users accepted to receive, and who is the same person in both apps. No Flask.

``wx.requestSubscribeMessage`` asks the user; the mini-program then reports the
templates accepted (``POST /mp/v1/subscriptions``). A one-time subscription allows
one message per acceptance (WeChat counts them the same way and answers 43101 once
they are used up), so each acceptance adds one to ``remaining`` and each message
sent takes one.
Doc: https://developers.weixin.qq.com/miniprogram/dev/api/open-api/subscribe-message/wx.requestSubscribeMessage.html
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.clock import utcnow
from bot.models import SubscriptionGrant, WeChatIdentity

# WeChat keeps at most this many unused one-time acceptances per template and user; so do we.
MAX_PENDING_GRANTS = 50


def record_grants(session: Session, openid: str, template_ids: Sequence[str], now: dt.datetime) -> dict[str, int]:
    """Count one acceptance of each template; return how many messages of each the user may now receive."""
    remaining: dict[str, int] = {}
    for template_id in template_ids:
        grant = session.scalar(select(SubscriptionGrant).where(SubscriptionGrant.openid == openid,
                                                               SubscriptionGrant.template_id == template_id)
                               .with_for_update())
        if grant is None:
            grant = SubscriptionGrant(openid=openid, template_id=template_id, remaining=0, updated_at=now)
            try:
                with session.begin_nested():
                    session.add(grant)
            except IntegrityError:  # the same user's other request at the same moment
                grant = session.scalars(select(SubscriptionGrant).where(
                    SubscriptionGrant.openid == openid, SubscriptionGrant.template_id == template_id
                ).with_for_update()).one()
        grant.remaining = min(grant.remaining + 1, MAX_PENDING_GRANTS)
        grant.updated_at = now
        remaining[template_id] = grant.remaining
    return remaining


def take_grant(session: Session, openid: str, template_id: str) -> bool:
    """Use one acceptance for a message about to be sent; False when none is left."""
    result = cast(CursorResult[Any], session.execute(
        update(SubscriptionGrant)
        .where(SubscriptionGrant.openid == openid, SubscriptionGrant.template_id == template_id,
               SubscriptionGrant.remaining > 0)
        .values(remaining=SubscriptionGrant.remaining - 1, updated_at=utcnow())
    ))
    return result.rowcount == 1


def grants_of(session: Session, openid: str) -> dict[str, int]:
    return {g.template_id: g.remaining for g in session.scalars(
        select(SubscriptionGrant).where(SubscriptionGrant.openid == openid))}


def identity_of(session: Session, openid: str) -> WeChatIdentity | None:
    return session.get(WeChatIdentity, openid)


def remember_identity(session: Session, openid: str, app: str, unionid: str | None) -> None:
    """Keep the person's unionid for this openid (``app``: oa | mp)."""
    row = session.get(WeChatIdentity, openid)
    if row is None:
        try:
            with session.begin_nested():
                session.add(WeChatIdentity(openid=openid, app=app, unionid=unionid, updated_at=utcnow()))
        except IntegrityError:
            pass  # remembered by a concurrent request
        return
    if unionid and row.unionid != unionid:
        row.unionid, row.updated_at = unionid, utcnow()
