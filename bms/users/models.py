from django.contrib.auth.models import AbstractUser
from django.db import models

from bms.core.roles import Role


class User(AbstractUser):
    """A person who logs in. `role` decides what they may do (bms/core/access.py);
    `is_superuser` marks the implementation partner."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_known"),
        ]
