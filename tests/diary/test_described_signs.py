"""Issue 34: danger signs described rather than named, through the real path (parse, record, flags), with real lines
from the development part of tests/diary/corpus (sources there) — and what looks like a sign and is none.

Each case is a class of description, not one line's text: a figure of speech holding a sign's word (快抽筋), a word
that begins like a negation and negates nothing (不自主, 不断), a line about the mother told by other words for her
(王女士), a thigh or one leg thicker than the other for a clot, both legs swollen alike for none."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bot.diary.lexicon import alarm_words, signs_in
from bot.models import Engagement
from tests.diary.test_danger_signs import diary, flags_of

__all__ = ["diary"]


@pytest.mark.parametrize(("line", "expected"), [
    # words that look like negations and negate nothing (爸媽發現他吃奶時嘴角會不自主抽動: uho.com.tw/article-45074)
    ("爸媽發現他吃奶時嘴角會不自主抽動", ("convulsions", "urgent")),
    ("甚至出现两眼凝视、震颤,或不断眨眼", ("convulsions", "urgent")),  # lwxiehe.com/erke/xsejk/0416/430.html
    # the mother told by other words (2toutiao.com/fenmian/72624.html): her breathlessness, not the baby's
    ("到了晚上王女士起夜上厕所时,只觉得身体非常难受,胸闷、呼吸困难", ("mother_breathless", "urgent")),
    # a clot: the thigh, both legs painful and swollen, one leg thicker than the other (jnyuhope.net/3107.html)
    ("小王突然感到左大腿根有肿痛感", ("calf_pain", "urgent")),
    ("又过了三天,两条腿都肿痛得难以忍受。", ("calf_pain", "urgent")),
    ("王女士发现左腿比右腿明显“胖”了一圈", ("calf_pain", "urgent")),
    # lips turning purple (kii.pixnet.net/blog/post/45622653), a dry nappy all night (e123.hk/news/119120)
    ("手腳一樣是暖的,但唇色就是又變紫個1~2分鐘。", ("cyanosis", "urgent")),
    ("試過整晚(差不多9個鐘)尿片都未濕過", ("no_wet", "urgent")),
    # a refused or weak suck (unakao.pixnet.net/blog/post/1243972, waocean.blogspot.com/2009/11/)
    ("都不喝奶", ("poor_feeding", "urgent")),
    ("吮吸力度不足或吃得十分慢", ("poor_feeding", "urgent")),
    # much blood from below (963234.vweuut.asia/talk/article/130403), chills with a painful breast (wskbw.com/post/32327)
    ("朋友表示感覺按完乳房下體又出了很多血,需要去換一下產護墊", ("heavy_bleeding", "urgent")),
    ("哺乳期宝宝吃完奶,妈妈突然发冷还发烧,乳房还疼痛,怎么办?", ("mastitis", "urgent")),
    # a swelling headache with a high BP is urgent, not the plain report (fh21.com.cn/qz/7485355.html)
    ("血压持续偏高,因此出现头胀疼、呕吐等症状。", ("blood_pressure_symptoms", "urgent")),
    # pus in a blister (1515e.com/jijiu/1618.html), discharge that keeps coming from one eye (mfk.com/article/12147054)
    ("初为红色丘疹,24小时内发展为含脓液的水疱,易破溃形成蜜黄色结痂。", ("skin_pustules", "watch")),
    ("新生儿一只眼睛老是有眼屎", ("eye_discharge", "watch")),
    ("有个声音在脑中低语:“抱着他跳下去就都解脱了”。", ("harm_thoughts", "urgent")),  # liaoyushi.cn/2356.html
])
def test_a_described_sign_is_flagged_at_its_level(diary: tuple[Session, Engagement], line: str,
                                                  expected: tuple[str, str]) -> None:
    flags = flags_of(diary, line)
    assert expected in flags, flags
    assert ("needs_review", "watch") not in flags  # a sign told is not also "could not read it"


@pytest.mark.parametrize("line", [
    "擠到手快抽筋也只有少少的1ml",  # rightgreen7.blogspot.com/2013/07: a mother's hand "nearly cramping", a figure
    "双腿对称性肿胀",  # jnyuhope.net/3107.html: both legs swollen alike is common after birth
    # irregular breathing alone is common in newborns (iread.qq.com/read/1036534705/24)
    "其实,呼吸不规则和出现呼吸间断是新生儿,尤其是早产儿常见的现象,这种呼吸间断时间一般不超过15秒钟,且无其他任何症状,不能视为病态。",
    "宝宝后背感觉很烫,并不一定是在发烧。",  # m.wgrsj.cn/aaa/725uam.html: "not necessarily a fever"
    "新生儿会有少量的眼屎,若量不多、不黄,可不必治疗。",  # leha.com/health/9563_2
])
def test_what_looks_like_a_sign_raises_nothing(diary: tuple[Session, Engagement], line: str) -> None:
    assert flags_of(diary, line) == []


def test_a_heavier_eye_discharge_is_the_sign_and_a_little_is_none() -> None:
    assert [r for r, _l, _k in signs_in("新生儿20多天眼睛一边有眼屎是怎么回事")] == ["eye_discharge"]
    assert alarm_words("新生儿会有少量的眼屎,若量不多、不黄,可不必治疗。") == []


def test_a_sentence_saying_it_is_normal_tells_no_sign_unless_it_says_not() -> None:
    # kangpuyun.com/detail/11922338.html: general text saying it is normal
    assert signs_in("此时大脑处于高度抑制状态,外界刺激难以唤醒,属于正常生理现象。") == []
    assert [r for r, _l, _k in signs_in("宝宝嗜睡，不属于正常现象")] == ["lethargy"]
    assert alarm_words("宝宝呼吸不正常 有点喘") == ["喘"]  # 不正常 is no calm


def test_getting_worse_reaches_a_person_on_a_measured_entry(diary: tuple[Session, Engagement]) -> None:
    # today.line.me/tw/v3/article/DR5a6zp (pyloric stenosis): a spit-up entry, worse every day, which no kind measures
    assert flags_of(diary, "新生兒嘔吐情形一天比一天頻繁、程度越來越厲害。") == [("needs_review", "watch")]


def test_advice_to_see_a_doctor_is_no_report_for_the_safety_net(diary: tuple[Session, Engagement]) -> None:
    # sina.cn/news/detail/5273516320495897.html: alarm words inside advice go to nobody
    line = ("产后一旦出现出血量超过月经量、流出鲜红色血液并伴有大血块,或出现头晕、心慌、出冷汗、晕厥等症状,"
            "必须立即就医,一刻也不能耽误。")
    assert flags_of(diary, line) == []
    # hk01.com (孩子出世有黃疸…): getting worse, under 如發現 … 請立即求醫, is advice too
    assert alarm_words("如發現初生寶寶黃疸加重，且食慾不振和不願醒來吃奶的話，請立即求醫。", worsening=True) == []
    # the same text cut after its condition (at the writer's commas) is no advice: its alarm still reaches a person
    assert alarm_words("流出鲜红色血液并伴有大血块,或出现头晕、心慌、出冷汗、晕厥等症状,必须立即就医") == ["血块"]


def test_a_mothers_sign_said_of_the_baby_is_the_babys() -> None:
    """气短 is the mother's word in the lexicon; said of the baby it is its laboured breathing (the family is not told
    the mother cannot breathe). http://www.6k11.com/answer/462822.html"""
    told = {r for r, _l, _k in signs_in("婴儿会有气短或其他症状", reports_only=False)}  # babies in general: no report
    assert told == {"breathing"}


def test_breathing_fast_told_in_other_words() -> None:
    # https://m.wgrsj.cn/aaa/by1r3l.html: 呼吸变得急促, the named 呼吸急促 with words between
    assert "breathing" in {r for r, _l, _k in signs_in("宝宝会感到不适,呼吸变得急促,需要喘气")}


@pytest.mark.parametrize(("line", "source"), [
    ("宝宝屁股上有块青色印记,是怎么回事?", "https://zhihuimami.com/yuerzhishi/526.html"),
    ("婴儿的屁股上为何都有青色的胎记", "https://m.bohe.cn/article/view/is1pm7q1dk3hyr5.html"),
])
def test_a_blue_birthmark_is_no_cyanosis(line: str, source: str) -> None:
    assert signs_in(line) == [], source


def test_asking_whether_it_is_normal_is_not_saying_so() -> None:
    """A question (正常吗) asks whether all is well: its alarm words still reach a person, and a sign is still told.
    https://s.fh21.com.cn/article/view/5dw91e9lmn.html"""
    assert alarm_words("新生儿眼睛总是抽搐正常吗") == ["抽"]
    assert [r for r, _l, _k in signs_in("新生儿眼睛总是抽搐正常吗")] == ["convulsions"]


def test_a_word_negative_in_itself_does_not_deny_what_follows(diary: tuple[Session, Engagement]) -> None:
    """没力气 is a symptom, not a denial of the blood after it (963234.vweuut.asia/talk/article/130403); the lexicon's
    own negative words (不吃奶, 没精神) likewise end their negation."""
    line = "朋友進去廁所要換護墊時,突然沒力氣身下也都是鮮紅色的血跟血塊"
    assert ("heavy_bleeding", "urgent") in flags_of(diary, line)
    assert alarm_words("没有发烧") == [] and alarm_words("无红肿") == []  # DIARY.md's denials still deny
