from django.apps import AppConfig


class XeroConfig(AppConfig):
    name = "bms.xero"
    label = "xero"
    verbose_name = "Xero integration"

    def ready(self) -> None:
        from bms.core.access import access_rules_register
        from bms.core.audit import audit_actions_register
        from bms.core.roles import Role

        access_rules_register({
            "xero.connect": {Role.ADMIN},
            "xero.sync": {Role.ADMIN, Role.FINANCE},
            "xero.journals": {Role.ADMIN},  # journals live under Admin, so does their push
            "xero.reconcile": {Role.ADMIN, Role.FINANCE},  # Admin → Reconciliation: read, run and repair
        })
        audit_actions_register({
            "xero.authenticated": "Authenticated with Xero",
            "xero.reauthenticated": "Re-authenticated with Xero",
            "xero.entity_connected": "Xero organisation connected",
            "xero.go_live_set": "Go-live date set",
            "xero.organisation_choices_set": "Zero-rate tax types and payments account chosen",
            "xero.invoice_differs_resent": "Invoice re-sent over Xero's differing copy",
            "xero.invoice_differs_cancelled": "Invoice whose Xero totals differ cancelled in BMS",
            "xero.relinked": "Relinked to another Xero organisation",
            "xero.authentication_removed": "Xero authentication removed",
            "xero.contact_unlinked": "Customer's Xero link deleted",
            "xero.contact_unarchived": "Customer's Xero contact unarchived",
            "xero.contact_relinked": "Customer relinked to another Xero contact",
            "xero.bulk_sync": "Bulk sync",
            "xero.invoice_cancelled_to_match": "Invoice cancelled in BMS to match Xero",
            "xero.invoice_difference_accepted": "Invoice difference with Xero accepted",
            "xero.tracking_chosen": "Entity's Xero tracking chosen",
            "xero.tracking_option_created": "Tracking option created in Xero",
            "xero.reconciliation_repaired": "Reconciliation repair",
        })
        from bms.xero.services import credit_history, invoice_changes

        invoice_changes.connect_signals()
        credit_history.connect_signals()
