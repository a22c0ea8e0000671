"""The Xero integration: the only package that knows Xero exists.

Layers, each importing only those below it:

- `client/`   pure HTTP, no Django: one method per Xero operationId, pydantic in and out, one choke
              point (`XeroAccountingClient._call`), the one retry policy (`client/retry.py`), limiters.
- `auth/`     grants and tokens: encryption at rest, the refresh (claimed, never under a lock), the
              OAuth app built from settings, parking work when Xero refuses the connection.
- `sync/`     what every sync shares: the push engine (`push.py`), the pipeline of batches in
              flight, leases, the per-tenant run, the sync log and its outcome, the tenant's client.
- `services/` what a user or a schedule asks for: connect, chart, contacts, invoices, journals,
              payments — each record kind a small `PushKind` adapter on `sync/push.py` — and
              `tenant_sync(kind=…)`, the one entry point of the job handlers and `bms sync`.

Following a Sync Invoice click to Xero and back (the files to read, in order):

 1. `xero/views.py`              `invoice_sync` — the POST from the invoice's Xero Integration panel
 2. `xero/services/actions.py`   `invoice_sync_request` — queues a `xero.invoices.push` job
 3. `jobs/services.py`           `job_enqueue` → the engine → `job_run` calls the handler
 4. `xero/job_kinds.py`          `push_invoices` → `_sync` — a wait or a re-authentication is not a failure
 5. `xero/services/syncs.py`     `tenant_sync(kind=INVOICES)` — the invoices due, the push lease
 6. `xero/sync/run.py`           `tenant_run` — the lease, the tenant's client, a fresh organisation
 7. `xero/services/invoices.py`  `invoices_push` — contacts first, then the `InvoicePush` adapter
 8. `xero/sync/push.py`          intent (links `sending`, keys) → call → settle per element
 9. `xero/sync/pipeline.py`      up to XERO_PUSH_IN_FLIGHT batches in flight, settled in order
10. `xero/client/api.py`         `create_invoices` → `_call` — limiter, token, Idempotency-Key, HTTP
11. `xero/payloads.py`           `invoice_payload` — the element sent (built in step 8)
12. `billing/services/invoices.py` `invoices_mark_processed` — called by `InvoicePush.confirm` on success
"""
