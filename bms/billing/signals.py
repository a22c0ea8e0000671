"""What billing tells the apps above it, without knowing them (billing never imports `bms.xero`).

`invoice_cancelled` is sent once the cancel has committed, with `invoice_id`: the Xero package
queues the void of an invoice Xero holds at once instead of waiting for the next scheduled push."""

from django.dispatch import Signal

invoice_cancelled = Signal()
