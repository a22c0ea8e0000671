"""BMS's Xero client against Xero's own OpenAPI description: every request it sends validates, and
every example answer the description gives for the operations we use parses into our models."""

from pathlib import Path

import pytest
import yaml

from bms.testing import factories as f
from bms.xero.client import schemas
from bms.xero.models import EntityTracking, XeroTrackingOption
from bms.xero.services.chart import chart_compare
from bms.xero.services.invoices import invoices_push
from bms.xero.services.payments import payments_pull
from bms.xero.sync.log import CollectingLog
from bms.xero.tests.conftest import allow_settings_writes, xero_client
from bms.xero.tests.test_invoices import _released
from xero_sandbox.contract import request_problems, require_spec_files

SPEC_FILE = Path(__file__).resolve().parents[4] / "shared" / "xero-openapi" / "xero_accounting.yaml"
# openapi-core does not check OAuth2 security schemes; it says so once per request.
pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")]


@pytest.fixture(scope="module")
def spec_dict():
    require_spec_files(SPEC_FILE)  # skips on a developer machine without it; fails in CI
    return yaml.load(SPEC_FILE.read_text(), Loader=yaml.CSafeLoader)


def test_it_sends_only_requests_xeros_description_accepts(admin_client, connected, sandbox, au_entity, spec_dict):
    allow_settings_writes(admin_client, au_entity)  # creating a tracking option needs accounting.settings
    invoices = _released(au_entity, [f.customer(code="C0500", name="Contract Customer Pty Ltd")], 3)
    # Invoice lines carry the entity's tracking (read with the organisation when it was connected).
    sydney = XeroTrackingOption.objects.get(category__tenant=connected, category__name="Region", name="Sydney")
    EntityTracking.objects.create(entity=au_entity, position=1, option=sydney)
    with xero_client(connected) as client:
        chart_compare(client=client)
        invoices_push(tenant=connected, invoices=invoices, client=client, log=CollectingLog())
        payments_pull(tenant=connected, client=client, log=CollectingLog())
        client.create_tracking_options(sydney.category.xero_tracking_category_id,
                                       schemas.TrackingOption(name="Contract Town"), idempotency_key="bms-contract-1")
    traffic = [e for e in sandbox.traffic() if e["spec"] == "accounting"]
    assert {(t["method"], t["path"].rsplit("/", 1)[-1]) for t in traffic} >= {
        ("GET", "Accounts"), ("GET", "Contacts"), ("PUT", "Contacts"), ("PUT", "Invoices"), ("GET", "Payments"),
        ("GET", "TrackingCategories"), ("PUT", "Options")}
    assert len(traffic) >= 10 and request_problems(traffic) == []  # (the fixture checks every test's, too)


MODELS = {"Contacts": schemas.Contact, "Invoices": schemas.Invoice, "Payments": schemas.Payment,
          "ManualJournals": schemas.ManualJournal, "Accounts": schemas.Account, "TaxRates": schemas.TaxRate,
          "Organisations": schemas.Organisation, "TrackingCategories": schemas.TrackingCategory,
          "Options": schemas.TrackingOption}


def test_it_parses_every_example_answer_of_the_operations_it_uses(spec_dict):
    operations = {"getOrganisations", "getAccounts", "getTaxRates", "getContacts", "createContacts",
                  "updateOrCreateContacts", "getInvoices", "createInvoices", "updateOrCreateInvoices", "getPayments",
                  "getManualJournals", "createManualJournals", "getTrackingCategories", "createTrackingOptions"}
    parsed = 0
    for path in spec_dict["paths"].values():
        for operation in path.values():
            if not isinstance(operation, dict) or operation.get("operationId") not in operations:
                continue
            for response in operation.get("responses", {}).values():
                example = response.get("content", {}).get("application/json", {}).get("example")
                if not isinstance(example, str | dict):
                    continue
                body = yaml.safe_load(example) if isinstance(example, str) else example
                for key, model in MODELS.items():
                    for item in (body or {}).get(key, []) if isinstance(body, dict) else []:
                        model.model_validate(item)
                        parsed += 1
    assert parsed >= 12  # the description's examples for these operations, every one of them
