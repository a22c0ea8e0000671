from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    FINANCE = "finance", "Finance"
    STAFF = "staff", "Staff"
