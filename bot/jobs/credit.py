"""``credit`` (03:00 local): recompute every worker's credit grade from verifications, ratings and complaints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from bot.jobs import JobContext, job
from bot.lookup.credit import compute_credit
from bot.models import Worker

BATCH = 200


@job("credit", cron="0 3 * * *")
def credit(ctx: JobContext) -> Mapping[str, Any]:
    """Recompute and store every worker's credit grade (checks that ran out overnight count)."""
    today = ctx.now.astimezone(ctx.tz).date()
    counts = {"workers": 0, "changed": 0}
    after = 0
    while True:  # in batches, one short transaction each
        with ctx.session_factory() as session, session.begin():
            workers = list(session.scalars(select(Worker).where(Worker.id > after).order_by(Worker.id).limit(BATCH)))
            for worker in workers:
                before = worker.credit_grade
                grade = compute_credit(session, worker, today, store=True).grade
                counts["workers"] += 1
                counts["changed"] += grade != before
        if len(workers) < BATCH:
            return counts
        after = workers[-1].id
