"""The TTP templates (for ansible.utils.cli_parse users) and the fast readers give the same facts."""

import os

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.cli import classify, parse_cli
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.ttp_reader import (
    TEMPLATE_DIR,
    TEMPLATES,
    parse_cli_ttp,
    run_template,
)
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.facts import samples


def all_outputs():
    out = [(name, command, text) for name, command, text, _g in samples.recorded()]
    out += [(name, command, text) for name, (command, text) in sorted(samples.HANDWRITTEN.items())]
    return out


def test_same_facts_on_every_output():
    compared = 0
    for name, command, text in all_outputs():
        if classify(command)[0] is None:
            continue
        fast = parse_cli({command: text})
        slow = parse_cli_ttp({command: text})
        assert fast == slow, name
        assert any(fast.values()), name  # each output yields something
        compared += 1
    assert compared >= 38


def test_same_facts_when_indented():
    """Captures that indent every line (Genie's 16.x samples) are read by both."""
    _c, text = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    indented = "\n".join("        " + line for line in text.splitlines())
    assert parse_cli_ttp({"show ip lisp map-cache": indented}) == parse_cli({"show ip lisp map-cache": indented})
    assert len(parse_cli({"show ip lisp map-cache": indented})["map_cache"]) == 3


def test_template_names_follow_cli_parse():
    """ansible.utils.cli_parse looks for <os>_<command with spaces as _>.ttp, os from ansible_network_os."""
    shipped = sorted(f for f in os.listdir(TEMPLATE_DIR) if f.endswith(".ttp"))
    ipv6_twins = {"ios_show_lisp_service_ipv6.ttp", "ios_show_lisp_service_ipv6_summary.ttp"}
    assert shipped == sorted(set(TEMPLATES.values()) | ipv6_twins)
    for name in shipped:
        command = name[len("ios_"):-len(".ttp")].replace("_", " ")
        assert classify(command)[0] is not None, name
    for afi_pair in (("ios_show_lisp_service_ipv4.ttp", "ios_show_lisp_service_ipv6.ttp"),
                     ("ios_show_lisp_service_ipv4_summary.ttp", "ios_show_lisp_service_ipv6_summary.ttp")):
        texts = [open(os.path.join(TEMPLATE_DIR, n)).read() for n in afi_pair]
        assert texts[0] == texts[1]


def test_template_results_are_plain_text_for_cli_parse_users():
    _c, text = samples.HANDWRITTEN["writeup SITE1 map-cache"]
    tables = run_template("map_cache", text)["tables"]
    assert tables[0]["iid"] == "0"
    entry = tables[0]["entries"][2]
    assert (entry["prefix"], entry["via"]) == ("192.168.2.0/24", "map-reply, complete")


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_templates_ignore_unrelated_text(kind):
    assert run_template(kind, "show version\nCisco IOS XE Software, Version 17.09.01\n") == {}
