"""What is not a measured event: notes (any line no other kind takes) and photos."""

from __future__ import annotations

from bot.diary.kinds import EntryKind, register

# No parser: a line every other kind passes on is a note (bot.diary.parse.classify).
NOTE = register(EntryKind(name="note", label="备注", order=150))
# A photo message makes a photo entry (bot.diary.photos); it is never posted as JSON.
register(EntryKind(name="photo", label="照片", order=230, postable=False))
