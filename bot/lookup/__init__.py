"""The verified profile of a worker, found by her badge code. Domain code: no Flask.

``find_profile`` is the one function behind the chat reply, the web page and the
mini-program API; ``compute_credit`` gives the credit grade and its reasons.
"""

from bot.lookup.codes import CodeCheck, check_code, format_code, generate_code, normalise
from bot.lookup.credit import Credit, compute_credit
from bot.lookup.profile import Limits, Profile, Refusal, find_profile, mask_name

__all__ = [
    "CodeCheck",
    "Credit",
    "Limits",
    "Profile",
    "Refusal",
    "check_code",
    "compute_credit",
    "find_profile",
    "format_code",
    "generate_code",
    "mask_name",
    "normalise",
]
