"""Issue 34, "understanding": prose stays a note — advice written as steps, explanations of causes, statistics and
classifications, the reader addressed, habits and schedules, words in quotation marks — by what the writing is
(its register, its habits, its connectives), not by the line. A parent's or a nurse's report keeps its events: a
time of today beside a habit, a question about the baby, a short shift note (吃奶可) are reports.

Every line is quoted from a public page, as written; none is a line of the real-writing corpus (``tests/diary/corpus``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.diary.kinds.notes import danger_signs
from bot.diary.parse import read_lines
from bot.diary.reading import reported
from tests.support.chat import TZ

SENT = dt.datetime(2026, 12, 7, 15, 0, tzinfo=TZ)
DAY_OF_LIFE = 9


def kinds(line: str) -> list[str]:
    [one] = read_lines(line, SENT, TZ)
    return [e.kind for e in one.entries]


FH21 = "https://m.fh21.com.cn/iask/view/100210094.html"
EEKANG = "https://health.eekang.net/zh-tw/knowledge/288016"
NJPFK = "https://njpfk.net/chuangyegushi/66845.html"
ZLNZNJJ = "http://cn.zlnznjj.com/baike/730402.html"

PROSE = [
    # written advice: what one should do, two of its words and nothing told (采用…避免, 可…避免, 选用…需)
    ("采用45度半卧位喂养,避免平躺进食。", FH21),
    ("日常可少量多次喂养,喂奶后避免立即更换尿布或剧烈活动。", FH21),
    ("选用带排气阀的防胀气奶瓶,奶嘴孔大小需与月龄匹配。", FH21),
    ("同时,在喂奶时应该把奶瓶角度倾斜,使奶流速度缓慢一些。", "https://m.wgrsj.cn/aaa/fqklx3.html"),
    ("建議爸爸媽媽可以先将寶寶衣服減少,間隔30分鐘後再量體溫,", "https://m.tftnews.com/news3343949"),
    # the reader addressed (您)
    ("您也可以给宝宝应用退烧药,但要按照药品说明书的指导使用,以避免剂量过大或使用错误导致不良反应。",
     "https://m.wgrsj.cn/aaa/sh6105.html"),
    # explanations: how things go in general and why (容易…就会引发, 也會使, 也會減少)
    ("新生儿的胃像横放的小袋子,入口(贲门)肌肉松弛,吃奶时容易吸入空气,不及时排出就会引发吐奶、胀气。",
     "http://www.cnzhilian.com/dujia/2025-12-17/764122.html"),
    ("胃食道逆流及疾病也會使新生兒打嗝。", EEKANG),
    ("寶寶在3—4個月大之後,賁門的收縮功能也已發育完善,吐奶的次數也會減少。", EEKANG),
    ("而在新生兒期,每次餵奶後媽媽都要幫助寶寶拍嗝。", EEKANG),
    # statistics and what a condition is
    ("研究顯示,體溫每升高1°C,免疫細胞活性就會提升約30%。", "https://www.url-click.com/461472.html"),
    ("目前新妈妈发生产后抑郁症的比例约在10%到20%左右。", NJPFK),
    ("性格内向、自理能力差、从小特别娇惯的女性,更容易出现产后抑郁情绪。", NJPFK),
    ("它不仅影响母亲的情绪和心理状态,还可能对婴儿的发育和家庭关系产生负面影响。",
     "http://avine.cn/tag/%e7%bb%93%e5%a9%9a%e6%8a%91%e9%83%81%e7%97%87"),
    # a schedule: a frequency, not a feed
    ("原來剛出生的小嬰兒兩~三小時就要喝奶一次", "http://queenienie.pixnet.net/blog/post/212448225"),
    # a cause listed with its signs (呼吸急促 is what an allergy may bring, not this baby's breathing)
    ("2. 食物过敏:婴儿的免疫系统较为脆弱,一些食物可能会引起过敏反应,导致吐奶、腹泻、皮疹、呼吸急促等症状。", ZLNZNJJ),
    ("3. 消化不良:婴儿的肠胃功能尚未完全发育,可能会导致消化不良,引起吐奶、腹泻、便秘等症状。", ZLNZNJJ),
]


@pytest.mark.parametrize(("line", "source"), PROSE)
def test_prose_is_one_note_and_raises_nothing(line: str, source: str) -> None:
    assert kinds(line) == ["note"], source
    assert danger_signs(line.lower(), DAY_OF_LIFE) == [], source


def test_words_in_quotation_marks_are_words_said_not_events() -> None:
    # http://www.scgbds.cn/popular_scienceinfo/39856.html (a nurse's feature on postnatal depression): the nappy is in
    # what some mothers feel, 毫无意义 the words they would use
    line = "有的会对曾经喜欢的事彻底失去兴趣,甚至连给孩子换尿布都觉得“毫无意义”;"
    assert "毫无意义" not in reported(line, habits=True)
    assert kinds(line) == ["note"]


@pytest.mark.parametrize(("line", "kind"), [
    # a parent's question about their own baby: a habit asked about is told (https://haodf.com/neirong/wenzhang/5044085120.html)
    ("宝宝吃完奶总是吐奶怎么回事啊?", "spit_up"),
])
def test_a_parents_question_keeps_what_it_asks_about(line: str, kind: str) -> None:
    assert kinds(line) == [kind]


def test_a_time_of_today_beside_a_habit_keeps_the_report() -> None:
    # https://www.120.net/post/1163126.html (a parent's description; the corpus holds two of its clauses, not this
    # sentence): 平常…也会拍他 is a habit, 今天是边吃边吐 today's
    line = ("宝宝出生十五天,经常吐奶,之前只是吃完后吐或睡觉时吐,今天是边吃边吐,吐完还要吃,"
            "而且吃奶间隔比平常缩短一个小时左右,平常吃完也会拍他让他打嗝,但不是每次都成功。")
    assert "spit_up" in kinds(line)


@pytest.mark.parametrize("line", [
    # a parent's question title (http://kangpuyun.com/audio/62028099.html, a paediatrician's answer to it)
    "孩子睡觉时不时抽搐一下正常吗",
    # a parent telling this baby's habit in the shape of Q&A reports (our wording, in that shape): 通常 says when it
    # happens to this baby, not what babies at large do
    "宝宝经常抽搐，通常在睡觉的时候",
])
def test_this_babys_own_habit_is_a_report_even_with_a_general_word(line: str) -> None:
    assert [sign[0] for sign in danger_signs(line.lower(), DAY_OF_LIFE)] == ["convulsions"]


TENGFEI = "https://tengfeihs.com/jiankang/451266.html"

NORMS_AND_ADVICE_ASKED = [
    # a norm counted per day or minute, as a range or a bound: what a healthy baby does, not this baby's nappies
    ("第四天及以后:每天至少6-8片沉甸甸的湿尿布。", "https://www.teruan.cn/91874.html"),
    ("第3-4天,每天最少有3块较之前更湿的尿片", TENGFEI),
    ("只吃初乳的宝宝,前2天每天会有1-2块湿尿片", TENGFEI),
    ("满月前,每天最少排出2次相当分量的大便 (每次不少于一元硬币的大小)", TENGFEI),
    # what follows in time (…後便會…): the course a baby's weight takes, not a weighing
    ("約1至2周後便會回復出生時的體重,然後體重會穩步增長。", "https://womencare.com.hk/breastfeeding-weight-loss.html"),
    # a question asking whether a way is allowed: advice asked, no bath given
    ("宝宝发烧可以用酒精擦身体吗", "https://comdeep.com/qa/KaX8qvMO.html"),
]


@pytest.mark.parametrize(("line", "source"), NORMS_AND_ADVICE_ASKED)
def test_norms_and_advice_asked_are_one_note(line: str, source: str) -> None:
    assert kinds(line) == ["note"], source
    assert danger_signs(line.lower(), DAY_OF_LIFE) == [], source


def test_a_reading_beside_advice_asked_is_still_told() -> None:
    # our wording, in the shape of the question above: the reading is this baby's
    assert kinds("宝宝发烧38.5度可以用酒精擦身体吗") == ["temperature"]


def test_a_nurses_now_and_then_without_a_tendency_still_tells() -> None:
    # 偶尔…会 says what may happen (a norm); a nurse's 偶尔吐一次奶 (tests/diary/test_reading.py) tells a spit-up
    assert kinds("偶尔吐一次奶") == ["spit_up"]
