from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "bms.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self):
        from bms.core.access import ALL_ROLES, access_rules_register
        from bms.core.roles import Role

        access_rules_register({"billing.view": ALL_ROLES, "billing.edit": {Role.ADMIN, Role.FINANCE}})
