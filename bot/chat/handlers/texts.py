"""Every chat string shown to users, Simplified Chinese, in one place."""

WELCOME = (
    "欢迎关注安心家政 🌸\n"
    "在这里可以核验家政服务员的身份与资质，月嫂可以记录月子日记，家人可以随时查看、评分。\n"
    "发送“帮助”查看您可以使用的功能。"
)
HELP_HEADER = "您可以发送："
HELP_FOOTER = "有疑问请联系为您服务的家政公司。"
FALLBACK_HINT = "抱歉，没有看懂“{text}”。发送“帮助”查看可以使用的功能。"
FALLBACK_HINT_PARENT = ("抱歉，没有看懂“{text}”。可以这样问我：宝宝今天吃了多少、昨晚睡得怎么样、最近一次喂奶；"
                        "发送“帮助”查看全部功能。")
FALLBACK_NON_TEXT = "暂时无法处理这类消息。发送“帮助”查看可以使用的功能。"
ROLE_NAMES = {"visitor": "访客", "nurse": "月嫂", "parent": "家人"}
HELP_ROLE = "您的身份：{roles}"

# -- parents' questions (bot/chat/handlers/questions.py) ---------------------------------------------------------
GREET_PARENT = (
    "您好 🌸 我是安心家政的月子日记助手，可以直接问我：\n"
    "• 宝宝今天吃了多少\n• 昨晚睡得怎么样\n• 最近一次喂奶\n• 今天拉了几次 / 今天体温\n"
    "发送“今天”看今天的日记，“帮助”看全部功能。"
)
GREET_NURSE = "您好 🌸 直接发送日记即可，每行一条，例如：7:30 喂奶 120ml。发送“今天”看今天的记录，“帮助”看全部功能。"
GREET_VISITOR = "您好 🌸 发送家政服务员工牌上的编号可以核验身份与资质；有绑定码请发送“绑定 绑定码”。发送“帮助”看全部功能。"
TODAY = "今天"
YESTERDAY = "昨天"
BABY_ANSWER = "{baby}：{text}"
FEEDS_HEADER = "🍼 {who}{day}的喂奶："
NO_FEEDS = "还没有喂奶记录"
LAST_IN_DAY = "最近一次：{line}"
NAPPIES_HEADER = "🧷 {who}{day}的尿布："
NO_NAPPIES = "还没有换尿布的记录"
TEMPS_HEADER = "🌡️ {who}{day}的体温："
NO_TEMPS = "还没有量体温的记录"
SLEEP_HEADER = "😴 {who}{day}的睡眠："
NO_SLEEP = "没有睡眠记录"
# Words that ask about the night (昨晚睡得怎么样), not the day's sleep.
NIGHT_WORDS = ("昨晚", "昨天晚上", "昨夜", "晚上", "夜里", "夜间", "半夜", "一夜", "一晚")
NIGHT_HEADER = "🌙 {who}昨晚（{start} 到今早 {end}）："
NIGHT_SLEPT = "睡眠约 {time}"
NIGHT_FEEDS = "，夜里喂奶 {count} 次"
LAST_FEED = "最近一次喂奶：{day}{line}（{ago}前）"
NO_RECENT_FEED = "最近{days}天没有喂奶记录"
