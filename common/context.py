"""Who is acting, for which clinic, in which transaction: what every service is given.

Services take a `ServiceContext`, check permissions with `ctx.authorize`, audit with `ctx.audit`,
and never commit: the unit of work (`Database.context`) commits at the edge, or rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from common.access.permissions import (
    KIOSK_PERMISSIONS,
    ROLE_PERMISSIONS,
    WRITES,
    Permission,
    visible_patient_fields,
)
from common.audit.chain import AuditEntry, append
from common.audit.models import ActorType, AuditOutcome
from common.clinics.models import Clinic, SubscriptionStatus
from common.clock import Clock
from common.errors import ClinicReadOnly, NotFound, PermissionDenied
from common.staff.models import Role
from common.storage.session import ClinicSession, load_clinic

READ_ONLY_STATUSES = frozenset({SubscriptionStatus.SUSPENDED, SubscriptionStatus.CANCELLED})


@dataclass(frozen=True)
class Actor:
    """One identity per person or device (SECURITY.md row 5)."""

    type: ActorType
    id: uuid.UUID | None
    role: Role | None = None
    device_id: uuid.UUID | None = None
    extra_permissions: frozenset[Permission] = frozenset()

    @classmethod
    def staff(cls, user_id: uuid.UUID, role: Role, device_id: uuid.UUID | None = None) -> Actor:
        return cls(ActorType.STAFF, user_id, role, device_id)

    @classmethod
    def kiosk(cls, device_id: uuid.UUID) -> Actor:
        return cls(ActorType.DEVICE, device_id, None, device_id)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorType.SYSTEM, None)

    @classmethod
    def registering_patient(cls, patient_id: uuid.UUID) -> Actor:
        """A patient registering themselves from the clinic's poster: may create their own record."""
        return cls(ActorType.PATIENT, patient_id, extra_permissions=frozenset({Permission.PATIENT_WRITE}))

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.type is ActorType.SYSTEM:
            return frozenset(Permission)
        if self.type is ActorType.DEVICE:
            return KIOSK_PERMISSIONS
        if self.type is ActorType.PATIENT:
            return self.extra_permissions
        if self.role is None:
            return frozenset()
        return ROLE_PERMISSIONS[self.role] | self.extra_permissions


@dataclass
class ServiceContext:
    session: ClinicSession
    clinic_id: uuid.UUID
    actor: Actor
    clock: Clock
    chain_id: str
    denials: list[AuditEntry] = field(default_factory=list)
    _clinic: Clinic | None = None

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def clinic(self) -> Clinic:
        if self._clinic is None:
            clinic = load_clinic(self.session, self.clinic_id)
            if clinic is None:
                raise NotFound()
            self._clinic = clinic
        return self._clinic

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.clinic.timezone)

    def can(self, permission: Permission) -> bool:
        return permission in self.actor.permissions

    def authorize(
        self,
        permission: Permission,
        *,
        entity_type: str = "",
        entity_id: uuid.UUID | None = None,
        patient_id: uuid.UUID | None = None,
    ) -> None:
        """Refuse (and audit the refusal) unless the actor's role allows `permission`;
        refuse writes while the clinic is suspended."""
        if not self.can(permission):
            self.denials.append(
                self._entry(
                    f"denied:{permission}",
                    entity_type or permission.split(".")[0],
                    entity_id,
                    patient_id,
                    AuditOutcome.DENIED,
                )
            )
            raise PermissionDenied()
        if permission in WRITES and self.clinic.subscription_status in READ_ONLY_STATUSES:
            raise ClinicReadOnly()

    def visible_patient_fields(self) -> frozenset[str]:
        return visible_patient_fields(self.actor.permissions)

    def audit(
        self,
        action: str,
        entity_type: str,
        entity_id: uuid.UUID | None = None,
        *,
        patient_id: uuid.UUID | None = None,
        changed_fields: Iterable[str] = (),
        outcome: AuditOutcome = AuditOutcome.SUCCESS,
    ) -> None:
        entry = self._entry(action, entity_type, entity_id, patient_id, outcome, tuple(changed_fields))
        append(self.session, self.clinic_id, self.chain_id, entry, self.now())

    def _entry(
        self,
        action: str,
        entity_type: str,
        entity_id: uuid.UUID | None,
        patient_id: uuid.UUID | None,
        outcome: AuditOutcome,
        changed_fields: tuple[str, ...] = (),
    ) -> AuditEntry:
        return AuditEntry(
            actor_type=self.actor.type,
            actor_id=self.actor.id,
            device_id=self.actor.device_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            patient_id=patient_id,
            outcome=outcome,
            changed_fields=changed_fields,
        )
