from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce


class EntityKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    BRANCH = "branch", "Branch"


class Entity(models.Model):
    """A business unit that appears on documents: an organisation, or a branch of one."""

    kind = models.CharField(max_length=16, choices=EntityKind.choices, default=EntityKind.ORGANISATION)
    organisation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
        limit_choices_to={"kind": EntityKind.ORGANISATION},
        help_text="The organisation a branch belongs to.",
    )
    name = models.CharField(max_length=200)
    trading_name = models.CharField(max_length=200, blank=True, default="")
    code = models.CharField(
        max_length=20, unique=True, error_messages={"unique": "This code is already used by another entity."}
    )
    prefix = models.CharField(
        max_length=10, help_text="Put in front of document numbers, e.g. SYD- makes invoice SYD-000123."
    )
    credit_note_prefix = models.CharField(
        max_length=13, blank=True, default="",
        help_text="Put in front of credit note numbers. Blank uses CN- and the reference prefix, e.g. CN-SYD-000012.",
    )
    time_zone = models.CharField(
        max_length=64, blank=True, default="", help_text="Blank uses the default time zone in General Settings."
    )
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        # The Entities grid's keyset order (selectors.entities_list): family, organisation first, name, id.
        indexes = [models.Index(Coalesce("organisation", "id"), F("kind").desc(), F("name"), F("id"),
                                name="entity_list")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=EntityKind.ORGANISATION) & Q(organisation__isnull=True))
                | (Q(kind=EntityKind.BRANCH) & Q(organisation__isnull=False)),
                name="entity_branch_has_organisation",
                violation_error_message="A branch belongs to an organisation: choose one. An organisation belongs "
                "to none.",
            ),
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="entity_one_default",
                violation_error_message="Another entity is already the default.",
            ),
            models.UniqueConstraint(
                fields=["prefix"], name="entity_prefix_unique",
                violation_error_message="This prefix is already used by another entity: document numbers must "
                "stay unique.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def credit_note_number_prefix(self) -> str:
        """Credit notes have their own sequence, so their numbers must never read like an invoice's."""
        return self.credit_note_prefix or f"CN-{self.prefix}"

    @property
    def is_branch(self) -> bool:
        return self.kind == EntityKind.BRANCH
