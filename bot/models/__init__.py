"""Typed SQLAlchemy 2.x models, one module per concern; importing this registers them all."""

from bot.models.agency import (
    VERIFICATION_KINDS,
    VERIFICATION_STATUSES,
    Agency,
    Badge,
    Binding,
    Complaint,
    Engagement,
    Rating,
    Verification,
    Worker,
    WorkerPhoto,
)
from bot.models.base import Base
from bot.models.closing import FinalEvaluation, FollowUpVisit
from bot.models.diary import (
    CurrentEngagement,
    DiaryEntry,
    DiaryFlag,
    DiaryPhoto,
    DiaryRevision,
    FlagEvent,
    KeepsakeCache,
)
from bot.models.jobs import JobLock, JobRun
from bot.models.lookup import LOOKUP_SURFACES, LookupLog, RateCounter
from bot.models.outbox import (
    CustomQuota,
    DeliveryAttempt,
    Notification,
    ShortLink,
    SubscriptionGrant,
    WeChatIdentity,
)
from bot.models.staff import STAFF_ROLES, Baby, PhoneView, Staff
from bot.models.supervisors import Supervisor, SupervisorCode
from bot.models.wechat import AccessToken, ChatUser, InboundMessage

__all__ = [
    "LOOKUP_SURFACES",
    "STAFF_ROLES",
    "VERIFICATION_KINDS",
    "VERIFICATION_STATUSES",
    "AccessToken",
    "Agency",
    "Baby",
    "Badge",
    "Base",
    "Binding",
    "ChatUser",
    "Complaint",
    "CurrentEngagement",
    "CustomQuota",
    "DeliveryAttempt",
    "DiaryEntry",
    "DiaryFlag",
    "DiaryPhoto",
    "DiaryRevision",
    "Engagement",
    "FinalEvaluation",
    "FlagEvent",
    "FollowUpVisit",
    "InboundMessage",
    "JobLock",
    "JobRun",
    "KeepsakeCache",
    "LookupLog",
    "Notification",
    "PhoneView",
    "RateCounter",
    "Rating",
    "ShortLink",
    "Staff",
    "SubscriptionGrant",
    "Supervisor",
    "SupervisorCode",
    "Verification",
    "WeChatIdentity",
    "Worker",
    "WorkerPhoto",
]
