"""Every chat string shown to users, Simplified Chinese, in one place."""

WELCOME = (
    "欢迎关注安心家政 🌸\n"
    "在这里可以核验家政服务员的身份与资质，月嫂可以记录月子日记，家人可以随时查看、评分。\n"
    "发送“帮助”查看您可以使用的功能。"
)
HELP_HEADER = "您可以发送："
HELP_FOOTER = "有疑问请联系为您服务的家政公司。"
FALLBACK_HINT = "抱歉，没有看懂“{text}”。发送“帮助”查看可以使用的功能。"
FALLBACK_NON_TEXT = "暂时无法处理这类消息。发送“帮助”查看可以使用的功能。"
ROLE_NAMES = {"visitor": "访客", "nurse": "月嫂", "parent": "家人"}
HELP_ROLE = "您的身份：{roles}"
