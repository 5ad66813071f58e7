"""What an SMS says: the flag template as approved in the Tencent Cloud SMS console (docs/operations.md).

{1} the sign (体温38.5℃), {2} the baby's nickname, {3} the time (12-07 03:05), {4} the code of the
flag's short link; the link's address is written into the template itself ({site}), since Tencent
takes no link as a parameter. Never a full name, an ID number or a phone number.
"""

FLAG_TEMPLATE = "{2}：{1}，{3}记录，请尽快查看并回复 {site}/d/{4}"
