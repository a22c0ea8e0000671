"""The one place that builds Xero's OAuth client from settings (XERO_* variables)."""

from django.conf import settings

from bms.xero.auth.scopes import requested_scopes
from bms.xero.client.oauth import OAuthEndpoints, XeroOAuth


def oauth_client(*, scopes: list[str] | None = None) -> XeroOAuth:
    """`scopes`: what the consent asks (auth/scopes.py); the base scopes when not given."""
    return XeroOAuth(
        client_id=settings.XERO_CLIENT_ID,
        client_secret=settings.XERO_CLIENT_SECRET,
        redirect_uri=settings.XERO_REDIRECT_URI,
        scopes=" ".join(scopes if scopes is not None else requested_scopes()),
        endpoints=OAuthEndpoints(
            authorize_url=settings.XERO_AUTHORIZE_URL,
            token_url=settings.XERO_TOKEN_URL,
            revoke_url=settings.XERO_REVOKE_URL,
            connections_url=settings.XERO_CONNECTIONS_URL,
        ),
    )
