from bms.entities.models import Entity
from bms.preferences.selectors import general_settings


def entity_time_zone(entity: Entity) -> str:
    """An entity's own zone, else the instance default."""
    return entity.time_zone or general_settings().default_time_zone
