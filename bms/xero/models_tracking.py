"""Tracking from Xero (PRODUCT.md §3.8, issue #16 item 1): each organisation's tracking categories
and options as BMS last read them (GET TrackingCategories?includeArchived=true, so an option
archived after it was chosen is known as archived, not as missing), and each entity's choice.

An entity's tracking is up to two (category, option) pairs chosen from its organisation's ACTIVE
options. An entity whose free-text tracking from before could not be matched to a Xero option
keeps that text in `legacy_*` and shows "choose tracking"; its records wait until someone chooses.
"""

from django.db import models
from django.db.models import Q


class TrackingStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    ARCHIVED = "ARCHIVED", "Archived in Xero"
    DELETED = "DELETED", "Deleted in Xero"  # also: no longer returned by Xero


class XeroTrackingCategory(models.Model):
    tenant = models.ForeignKey("xero.XeroTenant", on_delete=models.CASCADE, related_name="tracking_categories")
    xero_tracking_category_id = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=TrackingStatus.choices, default=TrackingStatus.ACTIVE)
    read_at = models.DateTimeField(help_text="When BMS last read it from Xero.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "xero_tracking_category_id"], name="tracking_category_once"),
            models.CheckConstraint(condition=Q(status__in=TrackingStatus.values), name="tracking_category_status"),
        ]

    def __str__(self) -> str:
        return self.name


class XeroTrackingOption(models.Model):
    category = models.ForeignKey(XeroTrackingCategory, on_delete=models.CASCADE, related_name="options")
    xero_tracking_option_id = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=TrackingStatus.choices, default=TrackingStatus.ACTIVE)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["category", "xero_tracking_option_id"], name="tracking_option_once"),
            models.CheckConstraint(condition=Q(status__in=TrackingStatus.values), name="tracking_option_status"),
        ]

    def __str__(self) -> str:
        return f"{self.category.name}: {self.name}"

    @property
    def is_usable(self) -> bool:
        """Xero accepts it on a line: the option and its category are both active."""
        return self.status == TrackingStatus.ACTIVE and self.category.status == TrackingStatus.ACTIVE


class EntityTracking(models.Model):
    """One of an entity's (at most two) tracking choices, in position 1 or 2."""

    entity = models.ForeignKey("entities.Entity", on_delete=models.CASCADE, related_name="xero_tracking")
    position = models.PositiveSmallIntegerField()
    # SET_NULL: options are never deleted by a re-read (they are marked), but if one goes the
    # entity shows "choose tracking" rather than losing the row.
    option = models.ForeignKey(XeroTrackingOption, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    legacy_category_name = models.CharField(
        max_length=100, blank=True, default="",
        help_text="The free-text category this entity had before tracking came from Xero, until matched.")
    legacy_option_name = models.CharField(max_length=100, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entity_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "position"], name="entity_tracking_one_per_position"),
            models.CheckConstraint(condition=Q(position__in=(1, 2)), name="entity_tracking_position_1_or_2"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} #{self.position}: {self.option or self.legacy_label or 'choose tracking'}"

    @property
    def legacy_label(self) -> str:
        if not self.legacy_option_name:
            return ""
        return f"{self.legacy_category_name}: {self.legacy_option_name}" if self.legacy_category_name \
            else self.legacy_option_name
