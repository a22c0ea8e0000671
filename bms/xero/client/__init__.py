"""Pure HTTP client for Xero: no Django models or settings. Everything it needs (URLs,
timeouts, the limiter, a token source) comes through its constructors, so it runs against any
Xero-compatible server, the local sandbox included."""
