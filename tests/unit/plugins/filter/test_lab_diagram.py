"""plugins/filter/lab_diagram.py: the SVG picture of a LISP lab, drawn from gathered facts."""

import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.lispnet.lisp.plugins.filter.lab_diagram import FilterModule, lab_diagram

SVG = "{http://www.w3.org/2000/svg}"


def locator(address, state="up"):
    return {"address": address, "state": state, "priority": 10, "weight": 50, "uptime": 562}


def lab(registered=True, resolved=True):
    """hostvars of the write-up's three routers after the pings, as lisp_facts leaves them."""
    def site(name, prefix, rloc):
        return {"name": name, "registered": registered,
                "eid_records": [{"instance_id": 0, "prefix": prefix, "registered": registered,
                                 "last_registered_by": rloc if registered else None}]}

    def xtr(name, rloc, prefix, host, other_prefix, other_rloc):
        cache = [{"instance_id": 0, "prefix": "0.0.0.0/0", "negative": True, "action": "send-map-request", "uptime": 616}]
        if resolved:
            cache.append({"instance_id": 0, "prefix": other_prefix, "negative": False, "uptime": 562,
                          "locators": [locator(other_rloc)]})
        return {"inventory_hostname": name, "ansible_host": rloc, "group_names": ["lisp_routers", "xtrs"],
                "lispnet_lab_eids": [prefix, host], "ansible_password": "secret-password",
                "ansible_facts": {"lisp": {"database": [{"instance_id": 0, "prefix": prefix, "locators": [locator(rloc)]}],
                                           "map_cache": cache}}}

    return [
        {"inventory_hostname": "MR_MS", "ansible_host": "127.0.10.1", "group_names": ["lisp_routers", "map_servers"],
         "ansible_facts": {"lisp": {"sites": [site("SITE1", "192.168.1.0/24", "127.0.1.1"),
                                              site("SITE2", "192.168.2.0/24", "127.0.2.1")]}}},
        xtr("SITE1", "127.0.1.1", "192.168.1.0/24", "192.168.1.1", "192.168.2.0/24", "127.0.2.1"),
        xtr("SITE2", "127.0.2.1", "192.168.2.0/24", "192.168.2.1", "192.168.1.0/24", "127.0.1.1"),
    ]


def texts(svg):
    root = ET.fromstring(svg)
    return [t.text for t in root.iter(SVG + "text")]


def test_valid_svg_with_every_router_prefix_rloc_and_host():
    svg = lab_diagram(lab(), "LISP lab")
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    assert int(root.get("width")) >= 900 and int(root.get("height")) > 500
    words = " ".join(texts(svg))
    for expected in ("MR_MS", "SITE1", "SITE2", "127.0.10.1", "127.0.1.1", "127.0.2.1",
                     "192.168.1.0/24", "192.168.2.0/24", "host 192.168.1.1", "host 192.168.2.1", "LISP lab"):
        assert expected in words, expected


def test_registrations_are_solid_green_lines_with_the_site_and_prefix():
    svg = lab_diagram(lab())
    labels = texts(svg)
    assert "SITE1 192.168.1.0/24 registered" in labels
    assert "SITE2 192.168.2.0/24 registered" in labels
    assert "site SITE1: registered" in labels
    root = ET.fromstring(svg)
    register_lines = [e for e in root.iter(SVG + "line") if e.get("marker-end") == "url(#arrow-ok)"]
    assert len(register_lines) == 2
    assert all(e.get("stroke-dasharray") is None for e in register_lines)


def test_unregistered_sites_are_dashed_and_say_so():
    svg = lab_diagram(lab(registered=False, resolved=False))
    labels = texts(svg)
    assert "SITE1 192.168.1.0/24 not registered" in labels
    assert "site SITE2: not registered" in labels
    root = ET.fromstring(svg)
    dashed = [e for e in root.iter(SVG + "line") if e.get("marker-end") == "url(#arrow-bad)"]
    assert len(dashed) == 2 and all(e.get("stroke-dasharray") for e in dashed)
    # Nothing resolved: no data-plane arrows, only the negative entries.
    assert not [e for e in root.iter(SVG + "path") if e.get("marker-end") == "url(#arrow-data)"]
    assert labels.count("0.0.0.0/0 negative, send-map-request (10m)") == 2


def test_resolved_map_cache_entries_are_arrows_between_the_xtrs():
    svg = lab_diagram(lab())
    root = ET.fromstring(svg)
    arrows = [e for e in root.iter(SVG + "path") if e.get("marker-end") == "url(#arrow-data)"]
    assert len(arrows) == 2
    labels = texts(svg)
    assert "192.168.2.0/24 \u2192 127.0.2.1" in labels
    assert "192.168.1.0/24 \u2192 127.0.1.1" in labels
    assert "map-cache of SITE1: up 10/50" in labels
    assert "192.168.2.0/24 \u2192 127.0.2.1 up 10/50 (9m)" in labels


def test_a_down_locator_is_drawn_as_a_failure():
    routers = lab()
    routers[1]["ansible_facts"]["lisp"]["map_cache"][1]["locators"][0]["state"] = "down"
    svg = lab_diagram(routers)
    root = ET.fromstring(svg)
    arrows = [e for e in root.iter(SVG + "path") if e.get("marker-end") == "url(#arrow-data)"]
    assert sorted(e.get("stroke-dasharray") or "" for e in arrows) == ["", "5 4"]
    assert "map-cache of SITE1: down 10/50" in texts(svg)


def test_plain_dicts_and_a_dict_keyed_by_name_are_accepted():
    plain = {
        "SITE1": {"address": "127.0.1.1", "groups": ["xtrs"], "lisp": {"database": [{"prefix": "10.1.0.0/16"}]}},
        "MR": {"address": "127.0.10.1", "groups": ["map_servers"], "lisp": {"sites": []}},
    }
    words = " ".join(texts(lab_diagram(plain)))
    assert "EID 10.1.0.0/16" in words and "MR" in words and "no sites in the facts" in words


def test_output_is_deterministic_and_never_carries_other_hostvars():
    first, second = lab_diagram(lab()), lab_diagram(lab())
    assert first == second
    assert "secret-password" not in first


def test_text_is_escaped():
    routers = lab()
    routers[0]["ansible_facts"]["lisp"]["sites"][0]["name"] = "A&B <site>"
    svg = lab_diagram(routers)
    ET.fromstring(svg)
    assert "site A&B <site>: registered" in texts(svg)


@pytest.mark.parametrize("routers, message", [
    ("SITE1", "expected a list of routers"),
    ([], "no routers to draw"),
    (["SITE1"], "router #0 is a str"),
    ([{"ansible_host": "127.0.1.1"}], "router #0 has neither 'name' nor 'inventory_hostname'"),
    ([{"name": "SITE1", "lisp": ["x"]}], "the lisp facts of SITE1 are a list"),
])
def test_bad_input_is_one_clear_error(routers, message):
    with pytest.raises(AnsibleFilterError, match=message):
        lab_diagram(routers)


def test_registered_as_a_filter():
    assert FilterModule().filters()["lab_diagram"] is lab_diagram
