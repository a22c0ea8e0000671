import pytest

from bms.testing import factories as f


@pytest.fixture
def chart(db):
    return f.chart_of_every_kind()
