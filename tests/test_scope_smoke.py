from fengqiao.org.scope import scope_to
from fengqiao.places.models import Building, Region


def test_officer_sees_only_own_township(world):
    codes = set(scope_to(world.officer_a, Region.objects.all()).values_list("code", flat=True))
    assert world.grid_a1.code in codes and world.grid_b1.code not in codes
    assert list(scope_to(world.officer_a, Building.objects.all())) == [world.building_a1]
