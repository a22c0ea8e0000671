"""A local Xero-compatible server for demos and tests (a separate process; imports nothing from
BMS or Django). It speaks Xero's OAuth 2.0 and Accounting API for the endpoints BMS uses, keeps its
own data, enforces Xero's validation and limits, and can inject faults.

Start it with `python -m xero_sandbox --port 8001 --data DIR` or `bms xero_sandbox`; in tests use
`xero_sandbox.testing.run_sandbox`."""
