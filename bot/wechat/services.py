"""What a chat handler's work needs after its commit, bound to the running app."""

from __future__ import annotations

from flask import Flask

from bot.delivery.notify import delivery


class AppServices:
    """``bot.chat.context.ChatServices`` for a message received by this app."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def deliver_notifications(self) -> object:
        return delivery(self.app)()

    def fetch_photos(self, photo_ids: list[int]) -> object:
        from bot.wechat.media import fetch_photos

        return fetch_photos(self.app, photo_ids)
