"""``flask --app bot badge-qr CODE``: a permanent parametric QR from WeChat, scene ``badge_CODE``."""

from __future__ import annotations

from tests.fakes.wechat_api import WeChatApiFake
from tests.support.agency import add_worker, auth, publish
from tests.support.factories import make_agency


def test_badge_qr_asks_wechat_for_the_scene(client, runner, session, wechat_fake: WeChatApiFake) -> None:
    key = make_agency(session)[1]
    code = publish(client, key, add_worker(client, key))
    result = runner.invoke(args=["badge-qr", code.lower()])
    assert result.exit_code == 0, result.output
    call = wechat_fake.calls_to("/cgi-bin/qrcode/create")[-1]
    assert call.body == {"action_name": "QR_LIMIT_STR_SCENE", "action_info": {"scene": {"scene_str": f"badge_{code}"}}}
    assert "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQFAKE" in result.output
    assert "http://weixin.qq.com/q/gQFAKE" in result.output


def test_badge_qr_refuses_bad_codes_and_reports_wechat_errors(client, runner, session, wechat_fake) -> None:
    key = make_agency(session)[1]
    code = publish(client, key, add_worker(client, key))
    assert "校验位不符" in runner.invoke(args=["badge-qr", code[:10] + ("0" if code[10] != "0" else "1")]).output
    assert "不存在" in runner.invoke(args=["badge-qr", "00000-00001-Y"]).output
    wechat_fake.fail_next("/cgi-bin/qrcode/create", errcode=45009)
    result = runner.invoke(args=["badge-qr", code])
    assert result.exit_code == 1 and "45009" in result.output
    client.delete(f"/admin/v1/badges/{code}", headers=auth(key))
    assert "已注销" in runner.invoke(args=["badge-qr", code]).output
    assert wechat_fake.calls_to("/cgi-bin/qrcode/create").__len__() == 1
