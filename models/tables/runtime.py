"""Process-wide leases: which server process runs the scheduler and the outbox worker."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class RuntimeLease(SQLModel, table=True):
    """One row per lease name. Not a kommune's data: the lease belongs to the deployment, so no org_id."""

    __tablename__ = "runtime_lease"
    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=200, description="host:pid:random of the process holding it")
    acquired_at: datetime
    expires_at: datetime
