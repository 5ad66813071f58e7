"""What agencies' supervisors read (chat replies, expiry warnings), Simplified Chinese, in one place."""

SUPERVISOR_ROLE = "机构主管"
SUPERVISOR_BIND_OK = (
    "绑定成功 ✅\n身份：" + SUPERVISOR_ROLE + "\n机构：{agency}\n"
    "服务员证件到期提醒和月子日记的健康提醒将通过本公众号发送给您。"
)
SUPERVISOR_CODE_EXPIRED = "该主管绑定码已过期（有效期 {days} 天），请向机构索取新的绑定码。"
SUPERVISOR_NOT_FOUND = "主管不存在 (no such supervisor)"
SUPERVISOR_CODE_USED = "该主管绑定码已被使用，每个主管绑定码只能使用一次。请向机构索取新的绑定码。"

# What an out-of-date check does to the worker's public profile.
EXPIRY_EFFECTS = {
    "identity": "过期后其安心码将变为红码。",
    "health": "过期后其安心码将变为黄码。",
    "insurance": "过期后其安心码将变为黄码。",
}
EXPIRY_EFFECT_OTHER = "过期后将不再显示“安心服务证”。"
EXPIRED_EFFECTS = {
    "identity": "其安心码已变为红码。",
    "health": "其安心码已变为黄码。",
    "insurance": "其安心码已变为黄码。",
}
EXPIRED_EFFECT_OTHER = "其资料已不再显示“安心服务证”。"
EXPIRY_SOON = (
    "【证件到期提醒】服务员 {worker} 的{label}将于 {date} 到期（还有 {days} 天）。"
    "请及时办理并在系统中更新，{effect}"
)
EXPIRY_TODAY = (
    "【证件到期提醒】服务员 {worker} 的{label}今天（{date}）到期。请尽快办理并在系统中更新，{effect}"
)
EXPIRED = "【证件已过期】服务员 {worker} 的{label}已于 {date} 到期，{effect}请尽快办理并在系统中更新。"
EXPIRY_TEMPLATE_TITLE = "服务员证件到期提醒"
EXPIRY_CARD_HINT = "{date}到期，请复检或续保"
