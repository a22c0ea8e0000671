import httpx2
import pytest

from xero_sandbox.testing import run_sandbox


@pytest.fixture
def sandbox(tmp_path):
    with run_sandbox(tmp_path / "sandbox") as handle:
        yield handle


class Api:
    """A bare client for one tenant: what a Xero app sends, nothing of BMS."""

    def __init__(self, sandbox, tenant: str, tokens: dict):
        self.sandbox, self.tenant, self.tokens = sandbox, tenant, tokens

    def headers(self, **extra):
        return {"Authorization": f"Bearer {self.tokens['access_token']}", "xero-tenant-id": self.tenant,
                "Accept": "application/json", **extra}

    def get(self, path, **params):
        return httpx2.get(f"{self.sandbox.api_url}/{path}", headers=self.headers(), params=params, timeout=30)

    def write(self, method, path, body, *, key=None, summarize=False, **params):
        headers = self.headers(**({"Idempotency-Key": key} if key else {}))
        if not summarize:
            params["summarizeErrors"] = "false"
        return httpx2.request(method, f"{self.sandbox.api_url}/{path}", headers=headers, json=body, params=params,
                              timeout=30)


@pytest.fixture
def au(sandbox):
    return Api(sandbox, sandbox.tenant_id("AU"), sandbox.mint_grant())
