"""Typed SQLAlchemy 2.x models, one module per concern; importing this registers them all."""

from bot.db import Base
from bot.models.wechat import AccessToken, ChatUser, InboundMessage

__all__ = ["AccessToken", "Base", "ChatUser", "InboundMessage"]
