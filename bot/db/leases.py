"""Leases: which process may do a singleton job (the scheduler's due work) right now.

One row per job name. The holder renews it before it expires; a holder that dies
stops renewing, and once `expires_at` has passed any other process may take it.
How it is taken atomically on both dialects is in scheduling/lease.py.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

SCHEDULER_LEASE = "scheduler"  # the due-work job's lease (scheduling/lease.py)


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))  # host:pid:random (bot/workers.py)
    acquired_at: Mapped[datetime]  # when this holder took it (renewals keep it)
    renewed_at: Mapped[datetime]
    expires_at: Mapped[datetime]
