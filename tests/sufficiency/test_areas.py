"""The vendored list of England's upper-tier local authority areas (ONS codes and names)."""

from dps import areas


def test_the_list_holds_englands_153_upper_tier_areas_with_unique_codes_and_names():
    rows = areas.all_areas()
    assert len(rows) == 153
    assert len({area.code for area in rows}) == 153
    assert len({area.name for area in rows}) == 153
    assert {area.code[:3] for area in rows} == {"E06", "E08", "E09", "E10"}
    counts = {prefix: sum(1 for a in rows if a.code.startswith(prefix))
              for prefix in ("E06", "E08", "E09", "E10")}
    assert counts == {"E06": 63, "E08": 36, "E09": 33, "E10": 21}


def test_an_area_is_found_by_name_in_any_case_or_spacing_or_by_its_code():
    assert areas.find(" west   SUSSEX ").code == "E10000032"
    assert areas.find("e06000043").name == "Brighton and Hove"
    assert areas.find("Kent").kind == "County"


def test_retired_and_typed_areas_are_not_in_the_list():
    # Abolished in 2023 (North Yorkshire county became a unitary, E06000065) and free text.
    assert areas.find("E10000023") is None
    assert areas.find("North Yorkshire").code == "E06000065"
    assert areas.find("South East") is None
    assert areas.find("") is None
    assert areas.code_of("Near RH12 4QT") == ""


def test_the_list_cites_its_source_and_licence():
    readme = (areas.SOURCE.parent / "README.md").read_text()
    assert "Office for National Statistics" in readme
    assert "Open Government Licence v3.0" in readme
