"""Issue 34: danger signs told in stories, in someone's speech and in a description, through the real path (parse,
record, flags) — with public lines (their sources beside them) — and the story lines that must stay notes.

Each case is a class of telling, not one line: a story whose guess or norm is said inside it (发现…也可能是有发炎), a
reading in quoted speech (测了体温后安慰道:“37度5…”), a belief the story turns on (以为…结果…), a baby named by its age
as news name it, the mother who finds a sign on her baby (妈妈发现她嘴唇发紫), the writer who is the subject of a sign
(说我昏迷了好久: hers, so a person looks at it, never the baby's flag)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bot.diary.lexicon import signs_in
from bot.diary.reading import fold_writing, reported
from bot.models import Engagement
from tests.diary.test_danger_signs import diary, flags_of

__all__ = ["diary"]

LAITIMES = "https://www.laitimes.com/article/1w441_24718.html"  # a mother's own account of a late haemorrhage
ORIENTAL = "https://boron.orientaldaily.com.my/index.php/news/international/2019/10/16/310735"  # news: a smothered baby


@pytest.mark.parametrize(("line", "expected"), [
    # a mother's haemorrhage told as a gush, without the word blood (LAITIMES; 71396.com/s-2-0bf055a260732309)
    ("産後第13天,吃完早飯後我剛準備去卧室,一起身就感覺下面一股暖流奔湧而出,像打開的水龍頭一樣停不下來。",
     ("heavy_bleeding", "urgent")),
    ("就在打开车门的那一刻,她突然感觉到一股温热的液体从身下顺着双腿流下,瞬间染红了地面。", ("heavy_bleeding", "urgent")),
    # blood soaking through to the clothes (LAITIMES)
    ("隻幾秒,衛生巾已經兜滿了血,血滲到睡褲上,又從褲管裡滴滴答答地流出來。", ("heavy_bleeding", "urgent")),
    # a baby found unconscious, limp, not breathing, in news and parents' stories (hk01.com/突發/298110; news.sina.com.cn
    # /o/2004-08-21/11403455162s.shtml; andy4624.pixnet.net/blog/post/70913839; 54852.com/hy/12147.html)
    ("其七個月大女嬰暈倒,沒有任何反應。", ("lethargy", "urgent")),
    ("發覺幼子躺在丈夫身旁不省人事,口角滲出血絲", ("lethargy", "urgent")),
    ("莎莎手中抱著亮亮,她很緊張在大叫:他沒呼吸了!", ("breathing", "urgent")),
    ("母亲凑到孩子身边竟发现,小雨轩竟然没有了呼吸。", ("breathing", "urgent")),
    # breathing shallow and slow, the face purple-blue (ORIENTAL)
    ("没想到等她再进去时就发现,小女儿被大女儿压在身下,呼吸变得又浅又慢。", ("breathing", "urgent")),
    ("鼻子还有一些血迹存在,面色紫青呈现窒息状态", ("cyanosis", "urgent")),
    # a baby named as news name it, after the mother in the same story (blog1.aree234.org/2020/11/4_25.html)
    ("接著返家與母親一起享用早餐,約1個多小時後才回臥室,沒想到男嬰已嗆奶窒息,全身癱軟、臉色蒼白,經送醫急救後仍宣告不治。",
     ("lethargy", "urgent")),
    # the mother who finds the sign on her baby (ettoday.net/news/20220614/2272845: 媽媽發現女兒全身抽搐)
    ("沒想到,女兒早上8點多突然動了一下,不但全身抽搐、眼睛上吊、嘴唇發紫,還完全沒有反應,嚇得她立刻抱起小孩",
     ("convulsions", "urgent")),
    # a reading in quoted speech, the nurse's norm beside it (news.43b.com.cn/a/874310.html)
    ("值班护士很快就赶了来,测了体温后安慰道:“37度5,新生儿有点低烧是正常的,我这就去请医生来看看。”",
     ("raised_temperature", "urgent")),
    # subtle seizures: eyes blank and fixed, the baby not answering; limbs pedalling (salemradiostation.com/ask/4612345;
    # health.t8p.cn/articles/7220322546999107585)
    ("表現為雙眼無神、凝視前方,對外界的聲音、光線等刺激反應明顯減弱", ("convulsions", "urgent")),
    ("在臨床上,患兒還會伴有肢體的踏車、跨步、游泳等游走性動作", ("convulsions", "urgent")),
    # milk wanted less, told softly (linawang91.pixnet.net/blog/post/24194514)
    ("1/28早上發覺小宥宥好像有發燒、咳嗽而且連牛奶都不太想喝了", ("poor_feeding", "urgent")),
    # a pustule holding yellow pus is the skin's, not the eye's (jiusongjiankang.com/health/question/2809397.html)
    ("宝宝2岁了,身上起了黄豆大小的黄脓胞,周围皮肤有红肿,脓疱疮的初期症状是什么?", ("skin_pustules", "watch")),
])
def test_a_sign_told_in_a_story_or_speech_is_flagged(diary: tuple[Session, Engagement], line: str,
                                                      expected: tuple[str, str]) -> None:
    assert expected in flags_of(diary, line)


@pytest.mark.parametrize("line", [
    # the writer as the subject of a baby's sign: hers, read by a person (scipedia.devlink.cn, a copy of LAITIMES)
    "下一秒我醒了,发现自己躺在医院急诊室里,老公拉着我的手说我昏迷了好久,怎么叫都叫不醒。",
    # a fever told by the hand in a story (39.103.169.235/p/25fc054c2ccc; synydxxb.cn/niandu-huigu/4696;
    # clinglu.blogspot.com/2011/12/blog-post.html)
    "等4点醒来时发现她浑身滚烫,发烧了!",
    "凌晨两点,妈妈摸到小杰的额头像小火炉,再摸手脚却冰凉,瞬间慌了神。",
    "隔天在床上躺了一整天還是燒燒的,上網查了查資料,發現沒有塞奶也可能是有發炎。",
    # a rush to the doctor (linawang91.pixnet.net/blog/post/24194514)
    "所以我跟老公先忙著送彌月禮,一到下午就趕緊送小宥宥去醫院",
])
def test_what_only_a_person_can_judge_in_a_story_reaches_one(diary: tuple[Session, Engagement], line: str) -> None:
    assert flags_of(diary, line) == [("needs_review", "watch")]


@pytest.mark.parametrize("line", [
    # general writing about a condition, not an event (health.ltn.com.tw/article/breakingnews/5180156)
    "熱痙攣好發在三個月到五歲大的兒童,常見於六個月到三歲大的幼兒,常在體溫升高到39℃時發生。",
    "到醫院的時候,好險意識清醒可以大哭",  # taisounds.com/news/content/107/71336: conscious, crying
    # a normal habit of newborns (bohe.cn/zx/1195789.html)
    "新生儿胃容量小,吸吮动作消耗体力,容易在进食后因疲劳入睡。",
    # someone else's baby in a story (a colleague's child) stays general (bohe-style 真实案例)
    "同事家娃拉灰白色陶土便,查出胆道闭锁,手术后才恢复",
])
def test_story_look_alikes_raise_nothing(diary: tuple[Session, Engagement], line: str) -> None:
    assert flags_of(diary, line) == []


@pytest.mark.parametrize(("line", "kept", "blanked"), [
    # a story's guess covers its clause only: the feverish day is told
    ("隔天在床上躺了一整天还是烧烧的,上网查了查资料,发现没有塞奶也可能是有发炎。", "烧烧的", "也可能是有发炎"),
    # a belief ends at the story's turn (以为…结果…)
    ("我以为她睡着了,结果发现她嘴唇发紫", "嘴唇发紫", "以为她睡着了"),
    # a baby named by its age in a story is the story's baby
    ("20天大的婴儿突然全身发紫,家长赶紧送到医院", "全身发紫", ""),
])
def test_a_story_is_a_report_and_its_general_words_cover_their_clause(line: str, kept: str, blanked: str) -> None:
    text = reported(fold_writing(line), clauses=False)
    assert kept in text
    if blanked:
        assert blanked not in text


@pytest.mark.parametrize(("line", "rule"), [
    ("妈妈发现她嘴唇发紫", "cyanosis"),  # she looks; the baby has it
    ("妈妈看到他眼睛上翻，手脚一抽一抽", "convulsions"),
    ("妈妈抽搐了", "mother_seizure"),  # her own
    ("妈妈发现自己喘不过气", "mother_breathless"),  # found on herself
    ("我拍不醒", "lethargy"),  # the writer as the agent (patting does not wake the baby): the baby's
])
def test_who_has_the_sign_when_the_mother_finds_it(line: str, rule: str) -> None:
    assert [r for r, _level, _reason in signs_in(line)] == [rule]
