"""Who may see and change what. Pure functions over an `Actor`, so the rules are testable alone.

Least privilege: an employee sees their own avvik (as reporter, handler or tiltak
owner); a leader or kommunalsjef sees their unit and every unit below it; the
kommunedirektør and admins see the whole organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LINE_ROLES = ("leder", "kommunalsjef")
ORG_WIDE_ROLES = ("kommunedirektør", "admin")


@dataclass(frozen=True)
class Actor:
    person_id: int
    org_id: int
    name: str
    email: str
    unit_id: int | None
    roles: frozenset[str]
    led_unit_ids: frozenset[int] = field(default_factory=frozenset)
    managed_unit_ids: frozenset[int] = field(default_factory=frozenset)
    org_wide: bool = False

    @property
    def is_leader(self) -> bool:
        return self.org_wide or bool(self.led_unit_ids)

    def manages(self, unit_id: int | None) -> bool:
        return self.org_wide or (unit_id is not None and unit_id in self.managed_unit_ids)


def can_view_avvik(actor: Actor, *, org_id: int, unit_id: int, reporter_id: int | None,
                   assignee_id: int | None, tiltak_owner_ids: set[int]) -> bool:
    if actor.org_id != org_id:
        return False
    if actor.person_id in (reporter_id, assignee_id) or actor.person_id in tiltak_owner_ids:
        return True
    return actor.manages(unit_id)


def can_manage_avvik(actor: Actor, *, org_id: int, unit_id: int, assignee_id: int | None) -> bool:
    if actor.org_id != org_id:
        return False
    return actor.manages(unit_id) or actor.person_id == assignee_id


def can_update_oppdrag(actor: Actor, *, org_id: int, owner_id: int, delegated_unit_ids: set[int]) -> bool:
    if actor.org_id != org_id:
        return False
    if actor.person_id == owner_id or actor.org_wide:
        return True
    return any(actor.manages(u) for u in delegated_unit_ids)
