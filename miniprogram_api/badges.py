"""``GET /mp/v1/badges/CODE``: the verified profile as JSON, for a logged-in mini-program user."""

from __future__ import annotations

from flask import current_app, request

from bot.api.schema import ApiResult, operation
from bot.lookup.profile import Limits, Profile, find_profile, local_today
from bot.store.db import get_session
from bot.store.ratelimit import counter_for
from miniprogram_api import bp
from miniprogram_api.auth import current_openid, login_required
from miniprogram_api.models import ProfileOut


@bp.get("/badges/<code>")
@login_required
@operation(responses={200: ProfileOut}, errors=(401, 403, 404, 429))
def badge_profile(code: str) -> ApiResult:
    """工牌核验：服务员的公开资料（与工牌网页相同）"""
    config = current_app.config
    session = get_session()
    result = find_profile(
        session, code, "mp", who=current_openid(), address=request.remote_addr or "unknown",
        today=local_today(config["ANXIN_TIMEZONE"]), limits=Limits.from_settings(config),
        counter=counter_for(config, session),
    )
    session.commit()  # the lookup is logged and counted, refusals included
    if not isinstance(result, Profile):
        raise result.as_error()
    return ProfileOut(**result.to_dict(config["ANXIN_PUBLIC_URL"]))
