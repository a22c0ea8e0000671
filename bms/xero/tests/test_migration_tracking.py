"""Upgrading from free-text tracking (xero 0009): each entity's text becomes a tracking row waiting to
be matched to its Xero organisation's option; General Settings' names go with it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("xero", "0008_reconciliation"), ("entities", "0002_alter_entity_code_and_more"),
          ("preferences", "0001_initial")]


@pytest.fixture
def old_apps():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield MigrationExecutor(connection).loader.project_state(BEFORE).apps
    MigrationExecutor(connection).migrate(leaves)


def test_free_text_tracking_is_carried_over_to_be_matched_and_blank_text_is_not(old_apps):
    old_apps.get_model("preferences", "GeneralSettings").objects.update_or_create(
        pk=1, defaults={"tracking_category_1_name": " Region ", "tracking_category_2_name": "Division"})
    entity = old_apps.get_model("entities", "Entity")
    sydney = entity.objects.create(code="AU", name="Acme", prefix="AU-", tracking_option_1="Sydney",
                                   tracking_option_2="")
    entity.objects.create(code="NZ", name="Acme NZ", prefix="NZ-")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from bms.entities.models import Entity
    from bms.xero.models import EntityTracking

    [row] = EntityTracking.objects.all()
    assert (row.entity_id, row.position, row.option) == (sydney.pk, 1, None)
    assert (row.legacy_category_name, row.legacy_option_name, row.legacy_label) == ("Region", "Sydney",
                                                                                   "Region: Sydney")
    assert not hasattr(Entity.objects.get(code="AU"), "tracking_option_1")
