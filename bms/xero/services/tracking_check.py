"""The pre-send tracking check (PRODUCT.md §3.8): every invoice and journal line carries its
entity's tracking, which must be an active option of an active category in the target
organisation — Xero refuses a line naming one that does not exist or is archived.

`tracking_verdict` is pure: given an entity's choices and the organisation's categories as just
read from Xero, it says whether the record may go and with which Tracking. `TrackingCheck` reads
the categories once per run, only when an entity in the run has tracking (an entity without
tracking costs no call), and keeps them in BMS on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bms.entities.models import Entity
from bms.xero.client.api import XeroAccountingClient
from bms.xero.client.schemas import Tracking, TrackingCategory
from bms.xero.models import XeroTenant
from bms.xero.models_tracking import EntityTracking
from bms.xero.services.fixes import tracking_fix
from bms.xero.services.tracking import tenant_read_tracking
from bms.xero.sync.verdicts import Verdict

WHERE = "Admin → Tracking"


def _choose(entity: Entity, what: str) -> Verdict:
    return Verdict.wait(
        f"Choose tracking for {entity.name}: {what}. Choose its option on {WHERE} (or create it in Xero there); "
        f"its invoices and journals wait until then and go with the next push.",
        f"choose tracking for {entity.code}", fix=tracking_fix())


def tracking_verdict(*, entity: Entity, choices: list[EntityTracking], tenant: XeroTenant,
                     categories: list[TrackingCategory]) -> tuple[Verdict | None, list[Tracking]]:
    """(None, the lines' Tracking) when Xero would accept the entity's tracking; else the verdict."""
    tracking: list[Tracking] = []
    for choice in choices:
        option = choice.option
        if option is None:
            carried = f"“{choice.legacy_label}” is not an option in {tenant.name}" if choice.legacy_label \
                else "no option is chosen"
            return _choose(entity, carried), []
        if option.category.tenant_id != tenant.pk:
            return _choose(entity, f"its tracking “{option}” belongs to another Xero organisation than "
                                   f"{tenant.name}"), []
        category = next((c for c in categories
                         if c.tracking_category_id == option.category.xero_tracking_category_id), None)
        theirs = next((o for o in (category.options or []) if o.tracking_option_id == option.xero_tracking_option_id),
                      None) if category is not None else None
        label = f"{option.category.name}: {option.name}"
        if category is None or theirs is None or "DELETED" in (category.status, theirs.status):
            return Verdict.fail(
                f"Not sent: tracking option “{label}” of {entity.name} no longer exists in {tenant.name}. Choose "
                f"another option on {WHERE} (or create it there), then sync again.",
                f"tracking option {label} missing in Xero", fix=tracking_fix()), []
        if category.status != "ACTIVE" or theirs.status != "ACTIVE":
            return Verdict.fail(
                f"Not sent: tracking option “{label}” of {entity.name} is archived in {tenant.name}. Choose another "
                f"option on {WHERE}, or restore it in Xero, then sync again.",
                f"tracking option {label} archived in Xero", fix=tracking_fix()), []
        tracking.append(Tracking(name=category.name, option=theirs.name,
                                 tracking_category_id=category.tracking_category_id,
                                 tracking_option_id=theirs.tracking_option_id))
    return None, tracking


@dataclass
class TrackingCheck:
    """One run's tracking check for one tenant: Xero's categories read at most once (not at all when
    the run has just read them with the organisation and passes them in)."""

    client: XeroAccountingClient
    tenant: XeroTenant
    categories: list[TrackingCategory] | None = None
    _choices: dict[int, list[EntityTracking]] = field(default_factory=dict, init=False)

    def _choices_of(self, entity: Entity) -> list[EntityTracking]:
        if entity.pk not in self._choices:
            self._choices[entity.pk] = list(EntityTracking.objects.select_related("option__category")
                                            .filter(entity=entity).order_by("position"))
        return self._choices[entity.pk]

    def verdict(self, entity: Entity) -> tuple[Verdict | None, list[Tracking]]:
        choices = self._choices_of(entity)
        if not choices:
            return None, []  # no tracking: nothing to check, nothing to read
        if self.categories is None:
            self.categories = tenant_read_tracking(tenant=self.tenant, client=self.client)
            self._choices.clear()  # the read may have settled carried-over free text
            choices = self._choices_of(entity)
        return tracking_verdict(entity=entity, choices=choices, tenant=self.tenant, categories=self.categories)
