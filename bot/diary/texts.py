"""Every diary string a user sees (chat replies, errors, notifications), Simplified Chinese, in one place.

The labels of the entry kinds are declared with the kinds (``EntryKind.label`` in bot/diary/kinds/), which
import this module (never the reverse).
"""

ROLE_LABELS = {"nurse": "月嫂", "parent": "家人"}

# -- binding and engagements ------------------------------------------------------------------
BIND_USAGE = "请发送“绑定 绑定码”，例如：绑定 N7K2M9QH。绑定码由家政公司提供。"
# Shown when a user (or everyone together) tried too many codes in the window: codes cannot be guessed.
BIND_TOO_MANY = "绑定尝试过于频繁，请稍后再试。如绑定码无误仍无法绑定，请联系家政公司。"
BIND_OK = "绑定成功 ✅\n身份：{role}\n家庭：{family}（宝宝：{baby}）\n服务期：{starts}至{ends}\n发送“帮助”查看可以使用的功能。"
# A family member who did not say who they are to the baby is asked to (their ratings are then named so).
BIND_ASK_RELATION = "\n告诉我们您是宝宝的谁，家人看到的评分会这样称呼您：发送“我是 妈妈”（或爸爸、奶奶、外婆……）。"
BIND_RELATION = "\n称呼：{relation}"
RELATION_OK = "好的，以后家人看到的评分会称呼您为“{relation}”。"
RELATION_BAD = "称呼请用几个汉字，例如：我是 妈妈 / 我是 奶奶。"
RELATION_NOT_PARENT = "只有家人可以设置称呼。"
BIND_UNKNOWN = "绑定码不存在，请核对后重新发送（绑定码由家政公司提供）。"
BIND_USED = "该月嫂绑定码已被使用，每个月嫂绑定码只能使用一次。如需更换手机，请联系家政公司。"
BIND_EXPIRED = "该服务已于{ends}结束，绑定码已失效。"
BIND_OTHER_ROLE = "您已经以{role}身份绑定了这户家庭，不能再以另一种身份绑定。"
NOT_BOUND = "您还没有绑定服务。请发送“绑定 绑定码”（绑定码由家政公司提供）。"
SWITCH_LIST_HEADER = "您绑定的服务（当前：第{current}个）："
SWITCH_LIST_LINE = "{n}. {family}（{role}，{starts}至{ends}）"
SWITCH_LIST_FOOTER = "发送“切换 序号”切换，例如：切换 2"
SWITCH_OK = "已切换到：{family}（{role}）"
SWITCH_BAD = "没有第{n}个服务，请发送“切换”查看列表。"
ENGAGEMENT_ENDED = "该服务已于{ends}结束，不能再记录日记。"

# -- the nurse --------------------------------------------------------------------------------
RECORDED_HEADER = "已记录 {n} 条："
RECORDED_LINE = "{time} {text}"
BACKDATED = "（补记）"
RECORDED_FLAGS = "⚠️ 提醒（已告知家人）："
RECORDED_REVIEW = "🔎 需人工确认（已转给机构督导，不发给家人）："
RECORDED_FLAGGED_NOTE = "{time} 备注：{text}"
RECORDED_ENTRY = "{time} {what}"
RECORDED_NOTE = "{time} 备注：{text}（没有识别出具体事项，如需统计请换个说法重发，例如：喂奶 90ml）"
RECORDED_MORE = "……另有 {n} 条已记录，发送“今天”查看全部。"
REFUSED_HEADER = "未记录 {n} 行："
REFUSED_LINE = "“{line}”：{reason}"
NOTHING_RECORDED = "没有记录任何内容。"
VOICE_HEADER = "🎤 语音识别为：“{text}”\n（来自语音，请核对；识别有误请发文字更正，或发送“撤销”。）"
VOICE_TRANSCRIBING = "🎤 收到语音，正在转成文字，稍后把识别和记录的结果发给您。"
VOICE_ASR_FAILED = "收到语音，但没能识别出文字，这条没有记录。请改发文字，例如：喂奶 90ml。"
VOICE_NO_RECOGNITION = (
    "收到语音，但没有收到微信的语音识别结果，暂时无法记录。请改发文字，例如：喂奶 90ml。\n"
    "（请家政公司在公众号后台“设置与开发 → 接口权限 → 接收语音识别结果”中开启语音识别。）"
)
DAY_NAMES = {-1: "昨天", -2: "前天"}
DESCRIBE_SEPARATOR = " · "
VALUE_LABELS: dict[str, dict[str, str]] = {
    "type": {"breast": "母乳", "formula": "配方奶", "mixed": "混合喂养", "expressed": "瓶喂母乳", "water": "喂水"},
    "side": {"left": "左侧", "right": "右侧", "both": "两侧"},
    "colour": {"yellow": "黄色", "green": "绿色", "brown": "棕色", "black": "黑色", "white-grey": "灰白色", "red": "红色",
               "dark-red": "暗红", "pink": "淡红", "white": "白色"},
    "texture": {"watery": "稀水样", "curdy": "有奶瓣", "mucus": "有黏液", "hard": "干硬", "soft": "糊状"},
    "state": {"asleep": "入睡", "awake": "醒了"},
    "site": {"axillary": "腋下", "ear": "耳温", "forehead": "额温", "rectal": "肛温", "oral": "口温",
             "perineum": "会阴", "caesarean": "剖宫产切口"},
    "method": {"serum": "血清", "transcutaneous": "经皮"},
    "extent": {"face": "面部", "chest": "胸部", "belly": "腹部", "legs": "四肢", "soles": "手脚心"},
    "condition": {"dry": "干燥", "wet": "潮湿/渗液", "red": "发红", "smelly": "有异味", "fallen_off": "已脱落",
                  "healing": "愈合良好", "painful": "疼痛", "infected_signs": "红肿/渗液"},
    "amount": {"little": "少量", "much": "大量"},
    "meal": {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐", "night_snack": "夜宵", "snack": "加餐"},
    "eaten": {"all": "吃完", "most": "吃了大部分", "half": "吃了一半", "little": "吃得少"},
    "mood": {"good": "情绪好", "low": "情绪低落"},
    "conditions": {"engorged": "涨奶", "blocked": "堵奶", "cracked": "乳头皲裂", "mastitis_signs": "红肿硬块",
                   "relieved": "已疏通"},
    "patient": {"baby": "宝宝", "mother": "妈妈"},
    "unit": {"drop": "滴", "capsule": "粒", "tablet": "片", "sachet": "袋", "ml": "ml", "mg": "mg", "iu": "IU"},
}
TRUE_LABELS = {"wet": "小便", "stool": "大便", "projectile": "喷射状", "bilious": "黄绿色", "pus": "有脓", "bleeding": "出血",
               "spreading": "周围红肿", "resolved": "已消退", "phototherapy": "光疗", "bright": "鲜红", "smell": "有异味",
               "urates": "尿酸盐/深色尿"}
UNIT_SUFFIXES = {"amount_ml": "ml", "duration_min": "分钟", "celsius": "℃", "grams": "g", "cm": "cm", "epds": "分",
                 "epds_q10": "分（第10题）"}
DRY_NAPPY = "干爽"
NOTHING_TO_RECORD = "没有可以记录的内容。"
TIME_IMPOSSIBLE = "“{time}”不是有效的时间，这一行没有记录，请改正后重发。"
BABY_FLAG_REASON = "{baby}：{reason}"
BABY_PREFIX = "【{baby}】{text}"
BABY_SUMMARY = "{baby}：{lines}"
WHICH_BABY = "这一行没有说是哪个宝宝，没有记录；请写明是{names}中的哪一个（或“两个宝宝”），例如“大宝 喂奶 90ml”。"
TIME_FUTURE = "今天 {time} 还没到，这一行没有记录；如果是昨天，请写“昨天 {time}”。"
WITHDRAWN = "已撤销：{time} {text}\n（撤销记录会保留在修改历史中）"
NOTHING_TO_WITHDRAW = "没有可以撤销的记录。"
ENTRY_NOT_FOUND = "记录不存在。"
PHOTO_RECORDED = "照片已记录 {time}"
PHOTO_FAILED = "照片未能保存（{time}发送的照片），请重新发送。"
PHOTO_LINE = "📷 照片"

# -- the family -------------------------------------------------------------------------------
DAY_HEADER = "📖 {family} {date}（{weekday}）月子日记"
DAY_EMPTY = "这一天还没有记录。"
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
SUMMARY_HEADER = "—— 小结 ——"
SUMMARY_FIRST = "小结：{line}"
ENTRIES_HEADER = "—— 记录 {count} 条（发送“{command}”看月嫂原话）——"
ORIGINALS_COMMAND = "原文"
ORIGINALS_COMMAND_DAY = "原文 {month}-{day}"
ORIGINALS_HEADER = "📝 {family} {date} 月嫂原话："
SUMMARY_FEEDS = "喂奶 {count} 次{ml}{minutes}"
SUMMARY_FEEDS_ML = "，共 {ml}ml"
SUMMARY_FEEDS_MIN = "，亲喂共 {minutes} 分钟"
SUMMARY_DIAPERS = "尿布 {count} 次（小便 {wet}，大便 {dirty}）"
SUMMARY_SLEEP = "睡眠约 {hours}"
SUMMARY_TEMPS = "体温 {temps}"
SUMMARY_MOTHER_TEMPS = "产妇体温 {temps}"
SUMMARY_FLAGS = "⚠️ 需留意 {count} 项："
FLAG_TIMES = "（{count} 次）"
RATING_LINE = "评分：{ratings}"
FAMILY_MEMBER = "家人{n}"  # several members who did not say who they are (the order they bound)
FAMILY_MEMBER_ONE = "家人"  # the only one
FORMER_MEMBER = "家人"
NO_RATING = "今天还没有评分，发送“评分 5 辛苦了”为今天评分（1–5 星）。"
DATE_BAD = "日期看不懂，请发送例如“日记 11-20”或“日记 2026-11-20”。"
DATE_FUTURE = "{date} 还没有到哦。"

RATE_USAGE = "请发送“评分 分数 评语”，分数为 1 到 5 的整数，例如：评分 5 非常专业，辛苦了"
RATE_RANGE = "评分只能是 1 到 5 星（1 最低，5 最高），例如：评分 4 很细心"
RATE_OK = "感谢评分！{date}：{stars}{comment}"
RATE_REPLACED = "（已替换之前的评分）"
RATE_NOT_PARENT = "只有家人可以评分。"
RATE_OUTSIDE = "只能为服务期内（{starts} 至 {ends}）的日子评分。"
COMMENT_TOO_LONG = "评语不能超过 {max} 个字。"

COMPLAINT_USAGE = "请发送“投诉 具体内容”，例如：投诉 今天下午一直在玩手机。"
COMPLAINT_OK = "投诉已提交给{agency}：“{excerpt}”。处理结果会通过公众号通知您。"
COMPLAINT_TOO_LONG = "投诉内容不能超过 {max} 个字，请分几次发送。"
COMPLAINT_NOT_PARENT = "只有家人可以投诉。如有问题请直接联系家政公司。"
COMPLAINT_ANSWER = "【投诉处理结果】您 {date} 提交的投诉“{excerpt}”：\n{text}"
COMPLAINT_NOT_FOUND = "投诉不存在。"
COMPLAINT_ALREADY_ANSWERED = "该投诉已经答复过了。"
COMPLAINT_PENDING = "您 {date} 提交的投诉“{excerpt}”正在等待{agency}答复；需要补充的内容请直接联系家政公司。"
# How much of a complaint its replies quote, so that the family knows which one (they never see its number).
COMPLAINT_EXCERPT_CHARS = 16
COMPLAINT_TOO_LATE = "该服务已于{ends}结束超过{days}天，如有问题请直接联系家政公司。"
ENTRY_OUTSIDE = "记录时间 {date} 不在服务期内（{starts} 至 {ends}）。"
ENGAGEMENT_NOT_STARTED = "该服务将于{starts}开始，届时再记录日记。"

READ_NOT_ALLOWED = "只有绑定了这户家庭的家人或月嫂可以查看日记。"

# -- flags: advice to look, never a diagnosis --------------------------------------------------
FLAG_NOTICE = "【安心提醒】{family}{time}：{reason}\n（提醒仅供参考，不是诊断。）"
FLAG_RETRACTED_HINT = "记录已撤回或改正，点击查看当天日记"
FLAG_RETRACTED = "【更正】{family}{time} 的提醒“{reason}”已撤销：这条记录已被月嫂撤回或改正，请以最新日记为准。"
FLAG_NOTICE_AGENCY = (
    "【安心提醒·机构】{family}（服务员 {worker}）{time}：{reason}\n（提醒仅供参考，不是诊断。可在机构后台确认已处理。）"
)
FLAG_WITHDRAWN_AGENCY = (
    "【安心提醒·机构】{family}（服务员 {worker}）{time} 的紧急提醒“{reason}”：月嫂撤销了这条记录，提醒已取消。"
    "\n请核实宝宝的情况，并在机构后台确认已处理。"
)
FLAG_WITHDRAWN_HINT = "月嫂撤销了记录，请核实并在机构后台确认"
FLAG_SEVERITY = {"urgent": "🔴", "watch": "🟡"}
FLAG_REASONS = {
    "fever": "宝宝体温 {celsius}℃（≥38.0℃），建议尽快咨询医生。",
    "raised_temperature_newborn": "宝宝体温 {celsius}℃（出生28天内≥37.5℃），建议尽快咨询医生。",
    "recheck_temperature": "宝宝{site}温度 {celsius}℃，建议用腋下体温计复测；≥37.5℃请尽快咨询医生。",
    "low_temperature": "宝宝体温 {celsius}℃（≤35.5℃），建议注意保暖并尽快咨询医生。",
    "cool_temperature": "宝宝体温 {celsius}℃（低于36.5℃），建议注意保暖，半小时后复测；≤35.5℃请尽快咨询医生。",
    "raised_temperature": "宝宝体温 {celsius}℃（37.5–37.9℃），建议留意，过半小时复测。",
    "feed_gap": "两次喂奶间隔 {hours}（超过4小时），建议留意宝宝吃奶情况。",
    "few_feeds": "过去24小时只记录到 {count} 次喂奶（少于8次），建议留意宝宝吃奶量，必要时咨询医生。",
    "few_wet": "过去24小时只记录到 {count} 片湿尿布（出生第{day}天应至少{minimum}片），建议留意宝宝是否吃够，必要时咨询医生。",
    "no_wet": "已经 {hours} 没有记录湿尿布（超过8小时），建议留意，必要时咨询医生。",
    "pale_stool": "大便颜色偏白/灰（陶土色），建议尽快咨询医生。",
    "black_stool": "出生第5天后大便仍为黑色，建议尽快咨询医生。",
    "red_stool": "大便带红色/血，建议尽快咨询医生。",
    "early_jaundice": "出生24小时内出现黄疸，建议尽快咨询医生。",
    "early_jaundice_day2": "出生第2天出现黄疸，可能仍在出生24小时内（没有登记出生时刻），建议尽快咨询医生。",
    "spreading_jaundice": "黄疸已到{extent}，建议尽快咨询医生。",
    "lasting_jaundice": "出生第{day}天仍有黄疸，建议咨询医生。",
    "weight_loss": "体重 {grams}g，比出生体重 {birth}g 低 {percent}%（{step}），建议咨询医生。",
    "cord": "脐带{condition}，建议留意并咨询医生。",
    "mother_fever": "产妇体温 {celsius}℃（≥38.0℃），建议尽快咨询医生。",
    "blood_pressure_high": "产妇血压 {bp}（≥140/90），建议留意并咨询医生。",
    "blood_pressure_urgent": "产妇血压 {bp}（≥160/110），建议立即就医。",
    "lochia_red": "产后第{day}天恶露又为鲜红色，建议咨询医生。",
    "lochia_smell": "恶露有异味，建议咨询医生。",
    "epds": "EPDS 评分 {score}（≥10），建议关注产妇情绪并咨询医生。",
    "low_mood": "产妇情绪低落已超过两周，建议关注并咨询医生。",
    "bilious_vomit": "宝宝吐出黄绿色/绿色的东西（胆汁样呕吐），建议立即就医。",
    "projectile_vomit": "宝宝喷射状呕吐，建议尽快就医。",
    "convulsions": "宝宝出现抽搐/抽筋/两眼上翻，建议立即就医。",
    "lethargy": "宝宝叫不醒、嗜睡或反应差，建议立即就医。",
    "poor_feeding": "宝宝不吃奶或吸吮无力，建议尽快咨询医生。",
    "breathing": "宝宝呼吸急促或呼吸困难，建议立即就医。",
    "cyanosis": "宝宝嘴唇或面色发青、发紫、发灰，建议立即就医。",
    "wound_infection": "产妇伤口{signs}，建议尽快咨询医生。",
    "wound_infection_told": "记录提到产妇伤口红肿、流脓、渗液或裂开，建议尽快咨询医生。",
    "blood_pressure_reported": "记录提到产妇血压高（没有读数），建议测量血压并咨询医生。",
    "high_bilirubin": "胆红素 {value}，已达到{age}的光疗参考线（{threshold}），建议尽快就医复查。",
    "high_bilirubin_tcb": "经皮胆红素 {value}，已达到{age}的光疗参考线（{threshold}），建议尽快就医，抽血测血清胆红素确认。",
    "bilirubin_confirm": "经皮胆红素 {value}，接近{age}的光疗参考线（{threshold}）或≥15mg/dL，建议尽快抽血测血清胆红素确认。",
    "bilirubin_extreme": "胆红素 {value}（超过35mg/dL≈598μmol/L，极高），建议立即就医。",
    "bilirubin_implausible": "胆红素读数 {value} 超出新生儿可能的范围，可能是笔误，请核对单位和数值；如读数属实请立即就医。",
    "bilirubin_preterm": "胎龄{weeks}周（不足35周）的宝宝胆红素 {value}：早产宝宝不适用足月参考线，请医生判断是否需要治疗。",
    "heart_rate": "宝宝心率 {bpm} 次/分（正常约100–160），建议立即就医。",
    "chest_pain": "产妇胸痛或胸闷，建议立即就医（产后需排除心肺问题）。",
    "mother_breathless": "产妇呼吸困难或气短，建议立即就医。",
    "calf_pain": "产妇小腿肿痛，建议立即就医（产后需排除下肢血栓）。",
    "mother_seizure": "产妇出现抽搐，建议立即就医。",
    "harm_thoughts": "记录提到产妇有伤害自己或宝宝的念头，请立即陪伴她并尽快就医，不要让她独处。",
    "epds_q10": "EPDS 第10题（伤害自己的念头）得分 {q10}，请立即陪伴产妇并尽快就医。",
    "epds_probable": "EPDS 评分 {score}（≥13，可能抑郁），请告知家属和督导，并尽快咨询医生。",
    "few_stools": "过去24小时只记录到 {count} 次大便（出生第{day}天起母乳喂养的宝宝应至少2次），建议留意吃奶量，必要时咨询医生。",
    "urates": "出生第{day}天仍见尿酸盐结晶（砖红色）或深色尿，建议留意宝宝是否吃够，必要时咨询医生。",
    "meconium": "出生第{day}天大便仍为黑色，建议留意并咨询医生。",
    "no_wet_told": "记录提到宝宝很长时间（一晚或一天）没有小便，建议尽快咨询医生。",
    "spreading_jaundice_told": "记录提到宝宝全身发黄或手心脚心发黄，建议尽快咨询医生。",
    "needs_review": "这条记录提到需要留意的情况，但没能识别出具体内容：“{line}”。已转给机构督导人工确认。",
    "risk_factor_told": "记录提到宝宝有胆红素神经毒性高危因素（如G6PD缺乏/蚕豆病、溶血、败血症）："
                        "请机构督导核实并在宝宝档案中登记高危因素，黄疸按有高危因素的较低参考线判断。",
    "blood_pressure_symptoms": "产妇血压高，并有头痛、视物模糊或上腹痛，建议立即就医。",
    "blood_pressure_symptoms_reading": "产妇血压 {bp}（≥140/90），并有头痛、视物模糊或上腹痛，建议立即就医。",
    "heavy_bleeding": "产妇出血多（一小时湿透一片卫生巾，或血块比鸡蛋大），建议立即就医。",
    "mastitis": "产妇乳房红肿，伴发冷、寒战或发烧，建议尽快就医。",
    "blocked_duct": "产妇堵奶超过24小时仍未疏通，建议联系医生或通乳师。",
    "blocked_duct_hours": "产妇堵奶已 {hours} 仍未疏通（超过24小时），建议联系医生或通乳师。",
    "eye_discharge": "宝宝眼屎多或眼睛有脓性分泌物，建议留意并咨询医生。",
    "skin_pustules": "宝宝皮肤有脓疱，建议留意并咨询医生。",
    "vomit_swollen_belly": "宝宝呕吐并且肚子胀、发硬，建议立即就医。",
    "weight_still_falling": "出生第{day}天体重 {grams}g，比上次记录的 {before}g 还在下降（第4天后应开始回升），建议咨询医生。",
}
HOUR_OF_AGE = "出生第{hours}小时"
DAY_OF_AGE = "出生第{day}天"
GESTATION_WEEKS = "胎龄{weeks}周"
RISK_CURVE = "，按有高危因素的参考线"
RISK_UNKNOWN_CURVE = "，未登记高危因素，按有高危因素的较低参考线"
JAUNDICE_EXTENTS = {"legs": "腿部", "soles": "手脚心"}
CORD_CONDITIONS = {"red": "发红", "wet": "渗液/潮湿", "smelly": "有异味"}
CORD_URGENT = {"pus": "有脓", "bleeding": "出血", "spreading": "周围皮肤红肿"}
CORD_URGENT_REASON = "脐部{signs}，建议尽快就医。"
SITE_LABELS = {"ear": "耳", "forehead": "额", "rectal": "肛", "oral": "口"}
ENTRY_CHANGED = "这条记录已在别处被修改（当前版本 {version}），请刷新后再改 (the entry changed since you read it)"

# -- the evening digest and the nurse's reminders -------------------------------------------------
DIGEST_HEADER = "🌙 {family} {date}（{weekday}）今日小结"
DIGEST_ENTRIES = "今天共记录 {count} 条。"
DIGEST_NOTHING_COUNTED = "今天的记录没有喂奶、尿布、睡眠或体温数据。"
DIGEST_DETAILS = "发送“今天”查看全部记录。"
DIGEST_RATE = "回复“评分 5 很细心”为今天评分（1–5 星），您的评价会帮助月嫂做得更好。"
DIGEST_RATED = "今天已评分：{stars}{comment}，谢谢！"
DIGEST_TEMPLATE_TITLE = "{family} {date} 月子日记小结"
DIGEST_TEMPLATE_KEYWORD1 = "今日月子日记（{count} 条记录）"

REMINDER_QUIET = (
    "【温馨提醒】{family}的月子日记已经 {hours} 没有新记录了（上一条 {last}）。"
    "方便的时候记一下宝宝的喂奶、尿布和睡眠吧，家人看到会更安心 😊\n直接发送例如“喂奶 90ml”即可。"
)
REMINDER_NOTHING_TODAY = (
    "【温馨提醒】{family}今天还没有记录月子日记。"
    "方便的时候记一下宝宝的喂奶、尿布和睡眠吧，家人看到会更安心 😊\n直接发送例如“喂奶 90ml”即可。"
)


# -- alerts: cards, acknowledgement, escalation, the day link (issue 11) ----------------------------
FLAG_CARD_DEFAULT = "健康提醒"
FLAG_CARD_HINT = "点击查看详情，回复收到确认"
FLAG_CARD_ESCALATED = "仍未确认，请尽快查看"
DIGEST_CARD_SUBJECT = "{family}今日月子日记"
DIGEST_CARD_HINT = "记录{count}条，点击查看并评分"
DIGEST_CARD_HINT_FLAGS = "记录{count}条，需留意{flags}项"
ESCALATION_FAMILY = (
    "【安心提醒·再次提醒】{family} {time}：{reason}\n已过去 {minutes} 分钟仍无人确认，请尽快查看宝宝情况，"
    "看到后回复“收到”。已同时通知机构督导。\n（提醒仅供参考，不是诊断。）"
)
ESCALATION_AGENCY = (
    "【安心提醒·升级】{family}（服务员 {worker}）{time}：{reason}\n家属 {minutes} 分钟内未确认，请联系家属或服务员跟进，"
    "处理后回复“收到 处理情况”，例如：收到 已电话联系家属去医院。"
)
ESCALATION_EVENT = "第{round}次升级：{minutes}分钟无人确认，已再次发送给{people}人"
ACK_PARENT_OK = "已确认收到 {count} 条紧急提醒：\n{lines}\n机构不会再为此催促。如有需要请尽快就医。"
ACK_SUPERVISOR_OK = "已记录处理 {count} 条紧急提醒：\n{lines}\n处理说明：{note}"
ACK_NO_NOTE = "（未填写，可发送“收到 处理情况”补充）"
ACK_NOTHING = "目前没有需要确认的紧急提醒。"
ACK_NOT_ALLOWED = "“收到”用于家属或机构督导确认紧急提醒；请先发送“绑定 家属码”或督导绑定码。"
MORE_LINK = "…… 全文较长，点此查看：{url}"
DAY_LINK = "查看详情：{url}"
REMINDER_CARD_SUBJECT = "{family}自{last}起无新记录"

# The SMS of an urgent flag, as its template is approved in the Tencent Cloud SMS console (docs/operations.md):
# {1} the sign (体温38.6℃), {2} the baby's nickname, {3} the time (12-07 03:05), {4} the code of its short link.
# The link's address ({site}, ANXIN_PUBLIC_URL) is part of the template: Tencent takes no link as a parameter.
# Never a full name, an ID number or a phone number.
SMS_FLAG_TEMPLATE = "{2}：{1}，{3}记录，请尽快查看并回复 {site}/d/{4}"
SMS_NICKNAME_DEFAULT = "宝宝"
SMS_ROUND_EVENT = "；短信通知{people}个号码"
SMS_UNREACHED_EVENT = "微信无法送达家人：已短信通知{people}个号码"
