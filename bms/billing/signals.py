"""What billing tells the apps above it, without knowing them (billing never imports `bms.xero`).

Each is sent once the change has committed, so a listener that queues work never sees (or sends)
a change that rolled back:

- `invoice_cancelled(invoice_id)`: the Xero package queues the void of an invoice Xero holds at
  once instead of waiting for the next scheduled push.
- `credit_note_released(credit_note_id)` and `credit_note_cancelled(credit_note_id)`: a credit
  note became eligible for the accounting system, or is to be voided there.
- `credit_allocated(allocation_id, credit_note_id, invoice_id, source)` and
  `credit_allocation_reversed(…same…)`: credit applied to an invoice, or taken off it again.
  `source` is "bms" or "xero": what came from Xero must not be sent back to it.

One is a question, asked inside the transaction before credit made in BMS is applied:

- `credit_allocation_check(credit_note, invoice)`: each receiver returns why the accounting system
  could never hold this allocation (a sentence to show), or None; the first reason refuses it.
- `refund_reverse_check(refund)`: likewise before a refund is reversed in BMS: a reason when the
  accounting system holds the refund (it is deleted there, and comes back reversed with the pull).
"""

from django.dispatch import Signal

invoice_cancelled = Signal()
credit_note_released = Signal()
credit_note_cancelled = Signal()
credit_allocated = Signal()
credit_allocation_reversed = Signal()
credit_allocation_check = Signal()
refund_reverse_check = Signal()
