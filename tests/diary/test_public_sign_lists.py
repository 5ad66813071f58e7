"""Issue 34: the newborn and postpartum danger signs in the words public health lists use for them — the mainland's
新生儿访视 referral list, Taiwan's medical and lay terms (痙攣, 活動力低下, 呼吸窘迫, 灰白便, 衛生棉), Hong Kong's
(反應呆滯, 臉色轉藍, 抽筋) — each sentence copied from its page, read after folding to simplified script.

Each case is a class of vocabulary, not one line: what the lexicon's words describe (``reports_only=False``, as the
lexicon's own examples are checked: many lists are advice), what a report of them flags through the real path
(parse, record, flags), and the alarm words for which the safety net sends a line to a person."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bot.diary.lexicon import alarm_words, signs_in
from bot.models import Engagement
from tests.diary.test_danger_signs import diary, flags_of

__all__ = ["diary"]

YUGE = "https://www.yuge.com/article/d/832.htm?tag=1"  # the 新生儿访视 referral list, item by item
YST = "http://www.39yst.com/ask/7373910.shtml"  # 广州市妇女儿童医疗中心: 20天新生儿不正常表现
HK_MINGPAO = "http://mingpaocanada.com/van/htm/News/20250112/HK-gbb3_r.htm"  # 港大 葉柏強: when to take a child in
HK_STHEADLINE = ("https://www.stheadline.com/article/3162247/"
                 "高危一族初生BB中招點算好-出現呢6大徵狀需即送院")


def told(text: str) -> set[str]:
    return {rule for rule, _level, _reason in signs_in(text, reports_only=False)}


@pytest.mark.parametrize(("text", "expected", "source"), [
    # mainland: the referral list's own words (胸凹陷, 四肢痉挛性抽动, 手掌或足跖黄染, 腹胀明显伴呕吐, 拒乳, 胆汁样)
    ("呼吸频率<20/分或>60/分,呼吸困难(鼻翼煽动、呼气性呻吟、胸凹陷),呼吸暂停伴紫绀。", {"breathing", "cyanosis"}, YUGE),
    ("惊厥(反复眨眼、凝视、面部肌肉抽动、四肢痉挛性抽动或强直、角弓反张、牙关紧闭等),囟门张力高。", {"convulsions"}, YUGE),
    ("5、皮肤严重黄染(手掌或足跖),苍白,紫绀和厥冷,有出血点和瘀斑", {"spreading_jaundice"}, YUGE),
    ("10、腹胀明显伴呕吐。", {"vomit_swollen_belly"}, YUGE),
    ("若持续拒乳、吃奶量骤减,或吃奶后频繁呕吐(尤其喷射状)", {"poor_feeding"}, YST),
    ("呕吐物带血或胆汁样物(黄绿色)", {"bilious_vomit"}, YST),
])
def test_the_mainland_referral_list_words_tell_their_signs(text: str, expected: set[str], source: str) -> None:
    assert expected <= told(text), source


@pytest.mark.parametrize(("text", "expected", "source"), [
    # Taiwan, in traditional script: 活動力低下, 手足痙攣, 灰白 stool, a breast hard and hot with 38度, 衛生巾 soaked
    ("缺乏意識、不容易喚醒及活動力低下", {"lethargy"}, "http://dph.tycg.gov.tw/News_Content.aspx?n=4413&s=1272379"),
    ("特別是早產兒手足痙攣機率很高", {"convulsions"}, "http://taipeinanny.com/edcontent.php?lang=tw&tb=2&id=8"),
    ("如果他們的呼吸一直都很困難、急促,看到他們過度用自己的胸肌,或是鼻子擴張,就可能是呼吸窘迫的跡象", {"breathing"},
     "http://5.39.217.77/thread-2300364-1-924.html"),
    ("大便顏色也會呈現「灰白」或「淡黃色」。", {"pale_stool"}, "https://newtalk.tw/news/view/2023-03-28/863915"),
    ("產後出現乳房變硬且發燙疼痛的現象,同時媽咪可能會出現38度的高燒", {"mastitis"},
     "http://www.how01.com/post_8Rd6qj8lvOdMZ.html"),
    ("血量大到不正常的程度(1小時內浸透一片衛生巾,或出現大塊的血塊)。", {"heavy_bleeding"}, "http://mvkkk.com/z/art/52104"),
    # Hong Kong: 臉色轉藍, 反應呆滯, 抽筋, 嘴唇發紫
    ("臉色轉藍或深黑色,反應呆滯,甚至抽搐", {"cyanosis", "lethargy", "convulsions"}, HK_MINGPAO),
    ("如子女有高危徵狀包括反應呆滯、拒絕進食甚至抽搐,需立即就診。", {"lethargy", "poor_feeding", "convulsions"}, HK_MINGPAO),
    ("若出現持續發燒不退、抽筋、神智轉差、呼吸時有嘶哮聲、呼吸困難、嘴唇發紫等6個徵狀,需立即送院。",
     {"convulsions", "breathing", "cyanosis"}, HK_STHEADLINE),
])
def test_taiwan_and_hong_kong_words_tell_their_signs(text: str, expected: set[str], source: str) -> None:
    assert expected <= told(text), source


@pytest.mark.parametrize(("line", "expected"), [
    # reports, sent as a nurse's line: a Taiwan mother's 痙攣 and 活動力 words, Hong Kong's face turning blue
    ("臉色轉藍或深黑色,反應呆滯,甚至抽搐", ("cyanosis", "urgent")),  # mingpaocanada.com (HK)
    ("缺乏意識、不容易喚醒及活動力低下", ("lethargy", "urgent")),  # dph.tycg.gov.tw
    ("10、腹胀明显伴呕吐。", ("vomit_swollen_belly", "urgent")),  # yuge.com, the referral list
])
def test_a_report_in_the_lists_words_is_flagged(diary: tuple[Session, Engagement], line: str,
                                                expected: tuple[str, str]) -> None:
    flags = flags_of(diary, line)
    assert expected in flags, flags
    assert ("needs_review", "watch") not in flags


@pytest.mark.parametrize(("line", "source"), [
    # what a person should look at and no named sign takes: a red navel, confusion, bleeding spots, a sunken fontanelle
    ("5)肚臍周圍發紅;", "http://pymed.com.cn/article.php/10289"),
    ("1)神志不清;", "http://pymed.com.cn/article.php/10289"),
    ("有出血点和瘀斑", YUGE),
    ("8、眼窝或前囟凹陷、皮肤弹性差、尿少等脱水征象。", YUGE),
    ("大便呈黑便/血便/灰白色、尿量明显减少", YST),
])
def test_the_safety_net_hears_the_lists_alarm_words(line: str, source: str) -> None:
    assert alarm_words(line), source


@pytest.mark.parametrize("line", [
    # (pymed.com.cn's "1)神志不清;" was here; confusion is now named as the lethargy sign, urgent)
    "有出血点和瘀斑",  # yuge.com: bleeding spots and bruises, on the referral list
])
def test_an_unnamed_alarm_reaches_a_person(diary: tuple[Session, Engagement], line: str) -> None:
    assert flags_of(diary, line) == [("needs_review", "watch")]

