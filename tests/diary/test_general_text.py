"""Issue 34: general text — advice, definitions, doctors' explanations, norms and ranges, questions of fact — is no
report about this baby or mother: it stays one note and raises nothing. A parent's question about their own baby
(宝宝嘴巴发紫是怎么回事) still reports what it asks about, and what a line does report beside advice is kept.

Every line is a development line of the real-writing corpus (``tests/diary/corpus``), quoted with its source.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.diary.parse import read_lines
from bot.diary.reading import fold_writing, is_hypothetical, reported
from bot.models import DiaryEntry, DiaryFlag
from tests.support.chat import TZ, Chat, open_family

NURSE = "o-nurse-general"
SENT = dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ)


def kinds(line: str) -> list[tuple[str, dict[str, object]]]:
    [one] = read_lines(line, SENT, TZ)
    return [(e.kind, e.fields) for e in one.entries]


# (line, source): habits of babies at large, norms and ranges, explanations of causes, conditions and advice.
GENERAL = [
    # a generic subject and a habit: 母乳喂养的婴儿 … 多呈 …, 约1~4次
    ("母乳喂养的婴儿(宝宝),大便多呈金黄色糊状便,每天约1~4次", "https://m.kob123.com/shenghuokexue/100202.html"),
    # an explanation of causes: 可能与…有关
    ("宝宝大便发白可能与胆道梗阻、消化不良、乳糖不耐受、药物影响或饮食因素有关。",
     "https://m.bohe.cn/article/mip/ddhqt4fqtkxf9sa.html"),
    # a norm with a range and definitions: 正常体温…之间, 称为
    ("宝宝正常体温在腋窝处为35.9--37.2度之间,通过测量后凡超过正常范围0.5度以上时称为发热,不超过38度称为低热,"
     "超过39度者称为高热。", "https://m.how234.com/eamyrffdhee.html"),
    # a condition and advice: 若伴随…需就医
    ("若伴随眼球上翻或持续抽搐需就医排查神经系统疾病", "https://www.bohe.cn/zx/1236740.html"),
    ("建议家长定时监测体温,若持续超过37.5摄氏度或伴随拒奶、嗜睡等症状需及时就医。",
     "https://m.fh21.com.cn/iask/view/2914388.html"),
    # a condition after a conjunction (但如果…), the whole sentence its scope
    ("但如果发现宝宝每分钟呼吸超过60次,或者面色发紫,或经常出现呼吸暂停,那就应及时就诊。",
     "http://jk.tcmer.com/baby/200608/3701_2.html"),
    # a definition with a comparison in brackets
    ("低体温(<35℃):环境寒冷或低血糖,伴随皮肤发花、四肢冰凉,需保暖并喂糖水。", "https://mip.mfk.com/article/12084125.shtml"),
    # a norm: 属正常现象
    ("少量吐奶属正常现象", "https://m.fh21.com.cn/iask/view/100057629.html"),
    # a question of fact about babies at large
    ("新生儿肚脐需要天天消毒吗", "https://wapask.39.net/question/74525409.html"),
    # traditional script (OpenCC first): a generic subject 膽道閉鎖的新生兒
    ("膽道閉鎖的新生兒大便呈現灰白或淡黃色。", "https://health.udn.com/health/story/6057/3258885"),
    # what newborns in general have, a sign of something in general, a typical picture
    ("新生儿会有少量的眼屎,若量不多、不黄,可不必治疗。", "http://www.leha.com/health/9563_2"),
    ("高烧并伴有颤抖,是感染的一个信号。", "https://www.5wangxiao.com/thread-7385825-1-1.html"),
    ("堵奶表现为局部硬块伴胀痛,乳腺炎会出现红肿热痛等典型炎症反应。", "https://m.fh21.com.cn/iask/view/30014494.html"),
    # advice and questions of whether (是不是…? 會不會…? 有…嗎?): nothing is told of a baby
    ("我們可以先簡單檢查寶寶的身體,是不是發燒了?會不會喘(呼吸急促且費力)?嘴唇有發紺嗎?前囟門有凸出嗎?",
     "http://www.cth.org.tw/?aid=57&pid=96&page_name=detail&iid=556"),
    ("當耳(肛)溫超過38.5℃,或腋溫超過37.5℃,父母可先使用口服退燒藥幫孩子退燒",
     "http://limamafamily.blogspot.com/2013/01/blog-post_2053.html"),
]


@pytest.mark.parametrize(("line", "source"), GENERAL)
def test_general_text_is_one_note(line: str, source: str) -> None:
    assert is_hypothetical(fold_writing(line)), source  # callers read a line folded to simplified
    assert kinds(line) == [("note", {})], source


@pytest.mark.parametrize("line", [
    "宝宝嘴巴发紫是怎么回事",  # http://3g.club.xywy.com/wenda/195456802.htm
    "新生儿嘴唇发黑什么原因",  # http://www.sysjgy.com/jiankang/17588142847ez0m.html
    "产后恶露有臭味正常吗",  # https://science.bio1000.com/nwwd/202505/957065.html: is it normal that it smells
    "為何寶寶每次吃奶後都會吐奶?",  # Hong Kong Department of Health's parents' question (corpus: traditional.yaml)
])
def test_a_parents_question_about_their_baby_is_a_report(line: str) -> None:
    assert not is_hypothetical(fold_writing(line))
    assert reported(fold_writing(line)) == fold_writing(line)


def test_what_a_line_reports_beside_advice_is_kept() -> None:
    # a public care record (corpus everyday.yaml, care-records-seed): the advice 注意观察… is general, the oozing was seen.
    line = "注意观察脐带残端，略有渗液，已用碘伏消毒。"
    assert not is_hypothetical(line)
    assert reported(line) == line  # 注意观察 in a care record: the nurse watched it
    assert kinds(line) == [("cord_care", {"condition": "wet"})]


def test_a_question_of_cause_keeps_the_sign_it_asks_about() -> None:
    # http://3g.club.xywy.com/wenda/195456802.htm asks 宝宝嘴巴发紫是怎么回事; asked as 是不是…, the lips are still told.
    assert reported("宝宝嘴巴发紫是不是缺氧").startswith("宝宝嘴巴发紫")


def test_an_idiom_holding_a_condition_word_is_no_condition() -> None:
    # https://centurialee.pixnet.net/blog/post/26446744: 若無其事 ("as if nothing happened") holds 若 ("if") and
    # tells what happened.
    assert not is_hypothetical(fold_writing("雖然吐奶後的大寶看起來若無其事,沒什麼哭鬧"))


def test_chat_keeps_general_text_as_a_note_and_raises_nothing(
        app: Flask, client: FlaskClient, session: Session) -> None:
    family = open_family(app, client)
    chat = Chat(client)
    assert "绑定成功" in chat.say(NURSE, f"绑定 {family.nurse_code}")
    # https://www.bohe.cn/zx/1236740.html: a doctor's advice, no convulsion of this baby
    reply = chat.say(NURSE, "若伴随眼球上翻或持续抽搐需就医排查神经系统疾病")
    assert "备注" in reply and "抽搐" not in reply.split("备注", 1)[0]
    session.rollback()
    [entry] = session.scalars(select(DiaryEntry).where(DiaryEntry.engagement_id == family.engagement_id))
    assert entry.kind == "note"
    flags = list(session.scalars(select(DiaryFlag.rule).where(DiaryFlag.engagement_id == family.engagement_id)))
    assert flags == []


# -- what a report tells that is no event of its own ---------------------------------------------------------------

@pytest.mark.parametrize("line", [
    # a public care record (corpus everyday.yaml, care-records-seed): judgements of how feeds and sleep go
    "吃奶良好，睡眠安稳。",
    "下午睡眠安稳，吃奶情况良好。",
    "柚柚今天精神很好，吃奶正常，排便规律。",
    "宝宝昨晚睡眠不太安稳",
    # https://mip.chengdunaoke.com/zlxm/nt/2193.html: 醒来的时候 is when, 吃好、睡好 how well
    "醒来的时候一点事没有,也没有别的症状,吃好、睡好、精神也很好。",
    # https://discovery.ettoday.net/news/1278544: 喝奶時 is when the noise was heard
    "甚至是喝奶時出現類似唐老鴨『呵呵』的痰音",
])
def test_a_judgement_or_an_activity_named_as_a_time_is_no_event(line: str) -> None:
    assert kinds(line) == [("note", {})]


@pytest.mark.parametrize(("line", "fields"), [
    # a public baby-log parser's self-test (corpus everyday.yaml, feed-stool-parser-selftest): the stool described
    ("金黄色糊状的", {"wet": False, "stool": True, "colour": "yellow", "texture": "soft"}),
    ("拉稀水样的", {"wet": False, "stool": True, "texture": "watery"}),
    ("早上拉的黄色软便", {"wet": False, "stool": True, "colour": "yellow", "texture": "soft"}),
    # https://wapask.39.net/question/58335125.html
    ("宝宝拉柏油样便", {"wet": False, "stool": True, "colour": "black"}),
])
def test_a_stool_described_without_naming_it_is_a_stool(line: str, fields: dict[str, object]) -> None:
    assert kinds(line) == [("diaper", fields)]


@pytest.mark.parametrize(("sent", "at"), [("15:00", "15:00"), ("16:20", "15:00"), ("09:00", "03:00"), ("02:00", "15:00")])
def test_an_hour_said_without_a_part_of_the_day_is_the_latest_that_has_come(sent: str, at: str) -> None:
    # a public baby-log parser's self-test (corpus everyday.yaml, feed-stool-parser-selftest), sent at 15:00
    hour, minute = map(int, sent.split(":"))
    [one] = read_lines("3点喝了90ml奶粉", SENT.replace(hour=hour, minute=minute), TZ)
    [entry] = one.entries
    assert entry.occurred_at.astimezone(TZ).strftime("%H:%M") == at
    assert entry.kind == "feeding" and entry.fields["amount_ml"] == 90


# -- numbers, corrections, refusals and trends ----------------------------------------------------------------------

@pytest.mark.parametrize(("line", "celsius"), [
    # dictated vital signs, a public GitHub file the code index does not name by repository (code-index file id
    # 70784296067, a clinical speech-to-text normaliser's tests): 点 is the decimal point, not a clock
    ("体温三十八点五摄氏度", 38.5),
    # the same kind of dictation (code-index file id 67190081337): 最高体温三十八点五度
    ("最高体温三十八点五度", 38.5),
])
def test_a_number_with_its_decimal_point_said_as_dian_is_a_decimal(line: str, celsius: float) -> None:
    assert kinds(line) == [("temperature", {"celsius": celsius})]


def test_a_correction_withdraws_the_value_said_before_it() -> None:
    # corpus everyday.yaml, fever-misread-cases (a public file of voice-dictation mis-readings): 三十八 is withdrawn
    assert kinds("三十八，不对，我说错了，是三十六点八。") != [("temperature", {"celsius": 38.0})]
    [one] = read_lines("三十八，不对，我说错了，是三十六点八。", SENT, TZ)
    assert all(e.fields.get("celsius") != 38.0 for e in one.entries)


@pytest.mark.parametrize("line", [
    # https://unakao.pixnet.net/blog/post/1243972: a feed refused is no feed
    "都不喝奶",
    # corpus everyday.yaml, postnatal-ward-seed: how much a feed takes these days is a trend
    "802 周小宝吃奶量提升至 60ml/次。",
])
def test_a_feed_refused_or_a_trend_of_amounts_is_no_feed(line: str) -> None:
    assert kinds(line) == [("note", {})]


def test_a_habit_of_feeding_is_no_feed_but_the_spit_up_asked_about_is_told() -> None:
    # https://www.fhs.gov.hk/tc_chi/health_info/faq/child_health/CC1_3_1_5.html (a parents' question)
    assert kinds("為何寶寶每次吃奶後都會吐奶?") == [("spit_up", {})]


def test_taiwans_word_for_breast_milk_beside_formula_is_a_mixed_feed() -> None:
    # https://hedilai.pixnet.net/blog/post/25250992: 配方奶搭配母奶
    assert kinds("只有妥協的用配方奶搭配母奶來餵食他了。") == [("feeding", {"type": "mixed"})]


def test_a_nappy_never_wet_all_night_is_a_dry_nappy() -> None:
    # https://www.e123.hk/news/119120: 尿片都未濕過
    assert kinds("試過整晚(差不多9個鐘)尿片都未濕過") == [("diaper", {"wet": False, "stool": False})]
    assert kinds("换尿不湿") == [("diaper", {"wet": True, "stool": False})]  # 尿不湿 is the nappy, not "not wet"


def test_a_cord_gone_is_a_cord_fallen_off() -> None:
    # https://centurialee.pixnet.net/blog/post/26446744
    assert kinds("月初去醫院打完卡介苗回來,大寶的臍帶就不見了") == [("cord_care", {"condition": "fallen_off"})]


@pytest.mark.parametrize("line", [
    # https://wsa.jianshu.io/p/d8f1c586cbde: a schedule (每两小时喂一次奶) is no feed
    "每一小时要量一次体温并做记录,每两小时喂一次奶、换一次尿布。",
    # corpus everyday.yaml (twin-voice-bridge, a public voice-to-diary bridge's tests): a question of how many
    "今天喂了几次",
    # corpus everyday.yaml (care-centre-api-tests): an allergy to the protein of cow's milk is no feed
    "對牛奶蛋白過敏疑慮，觀察中",
])
def test_a_schedule_a_question_of_how_many_or_milk_protein_is_no_feed(line: str) -> None:
    assert kinds(line) == [("note", {})]


def test_taiwans_blocked_duct_pushed_open_is_a_breast_entry_not_a_feed() -> None:
    # https://963234.vweuut.asia/talk/article/130403 (a mirror of a mamibuy post): 塞奶 is a blocked duct, 推開 cleared it
    assert kinds("但至少把塞奶的部分給推開了.") == [("breast", {"conditions": ["blocked", "relieved"]})]


@pytest.mark.parametrize(("line", "amount"), [
    # https://centurialee.pixnet.net/blog/post/26446744
    ("大寶有時候才剛喝完奶,休息沒幾分鐘,還沒打嗝,就把奶全部吐出來了。", "much"),
    # https://discovery.ettoday.net/news/1278910
    ("「歐醫師,寶寶這段時間無論是喝ㄋㄟ時,或是喝完ㄋㄟㄋㄟ後,就容易忽然發出『嘔』聲音後,吐了幾口奶!」", "little"),
])
def test_how_much_came_back_up(line: str, amount: str) -> None:
    assert ("spit_up", {"amount": amount}) in kinds(line)


def test_a_little_after_eight_is_eight_and_a_stool_counted_once_is_a_stool() -> None:
    # corpus everyday.yaml (smart-input-examples, a public baby-diary app's input examples), sent at 12:30
    sent = SENT.replace(hour=12, minute=30)
    first, second = read_lines("昨晚八点多拉一次，吃到九点。12点吃完母乳又拉一次。", sent, TZ)
    stool = first.entries[0]
    assert (stool.kind, stool.fields.get("stool"), stool.occurred_at.astimezone(TZ).strftime("%d %H:%M")) \
        == ("diaper", True, "06 20:00")
    # 12点 told on from last night's nine o'clock is the midnight after it (a story of the night), not today's noon.
    assert [(e.kind, e.occurred_at.astimezone(TZ).strftime("%d %H:%M")) for e in second.entries] \
        == [("feeding", "07 00:00"), ("diaper", "07 00:00")]


def test_a_parents_range_of_temperatures_is_read_at_its_top() -> None:
    # http://info.babyhome.com.tw/article/4008?page=2: a parent asking about their own baby; 是正常的嗎 is a question
    line = "已經第3天了,我寶寶體溫都一直持續在37~37.2℃,請問這樣是正常的嗎?"
    assert not is_hypothetical(fold_writing(line))
    assert kinds(line) == [("temperature", {"celsius": 37.2})]


@pytest.mark.parametrize(("line", "fields"), [
    # https://www.71396.com/s-2-0bf055a260732309: warm fluid from below, down both legs (heavy bleeding told: much)
    ("她突然感觉到一股温热的液体从身下顺着双腿流下", {"amount": "much"}),
    # https://www.5wangxiao.com/thread-7385825-1-1.html
    ("阴道分泌物有异味", {"smell": True}),
    # https://963234.vweuut.asia/talk/article/130403 (a mirror of a mamibuy post)
    ("朋友進去廁所要換護墊時,突然沒力氣身下也都是鮮紅色的血跟血塊", {"colour": "red", "bright": True, "amount": "much"}),
])
def test_lochia_told_without_the_word_is_lochia(line: str, fields: dict[str, object]) -> None:
    assert kinds(line) == [("lochia", fields)]


def test_a_nappy_word_said_only_as_absent_is_no_nappy_change() -> None:
    # https://mip.mfk.com/article/11385496.shtml: 停止排便排气 is a sign of an obstruction, no nappy was changed
    assert kinds("表现为腹胀硬满、频繁呕吐(含胆汁)、停止排便排气") == [("spit_up", {"bilious": True})]


def test_the_mother_pumping_is_no_feed() -> None:
    # corpus everyday.yaml (twin-voice-bridge, a public voice-to-diary bridge's tests)
    assert kinds("宝妈吸完奶了") == [("note", {})]
