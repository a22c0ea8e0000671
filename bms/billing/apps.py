from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "bms.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self):
        from bms.core.access import ALL_ROLES, access_rules_register
        from bms.core.audit import audit_actions_register
        from bms.core.roles import Role

        access_rules_register({"billing.view": ALL_ROLES, "billing.edit": {Role.ADMIN, Role.FINANCE}})
        audit_actions_register({
            "billing.credit_note_released": "Credit note released",
            "billing.credit_note_cancelled": "Credit note cancelled",
            "billing.credit_note_from_xero": "Credit note made in Xero recorded",
            "billing.credit_allocated": "Credit allocated to an invoice",
            "billing.credit_allocation_reversed": "Credit allocation reversed",
            "billing.refund_recorded": "Credit refunded",
            "billing.refund_reversed": "Credit refund reversed",
            "billing.invoice_corrected": "Invoice corrected",
        })
