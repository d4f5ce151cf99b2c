"""plugin_utils.states: merged / replaced / overridden / deleted as the cisco.ios resource modules define them."""

import copy

import pytest

from ansible_collections.lispnet.lisp.plugins.plugin_utils import model, states
from ansible_collections.lispnet.lisp.plugins.plugin_utils.model import ValidationError
from ansible_collections.lispnet.lisp.tests.unit.plugins.plugin_utils.labdata import SITE1, STATE_CASES


@pytest.mark.parametrize("resource, state, have, want, expected", [case[1:] for case in STATE_CASES], ids=[case[0] for case in STATE_CASES])
def test_compute_after(resource, state, have, want, expected):
    have_before, want_before = copy.deepcopy(have), copy.deepcopy(want)
    after = states.compute_after(resource, state, have, model.normalize(resource, want))
    assert after == model.canonical(resource, expected)
    assert (have, want) == (have_before, want_before)  # inputs untouched
    # the same state applied again changes nothing more
    assert states.compute_after(resource, state, after, model.normalize(resource, want)) == after


def test_raw_want_is_accepted():
    assert states.compute_after("xtr", "merged", {}, SITE1) == model.canonical("xtr", SITE1)


def test_no_config_merged_and_replaced_keep_the_device():
    assert states.compute_after("xtr", "merged", SITE1, None) == model.canonical("xtr", SITE1)
    assert states.compute_after("xtr", "replaced", SITE1, None) == model.canonical("xtr", SITE1)
    assert states.compute_after("xtr", "overridden", SITE1, None) == {}


def test_deleting_what_is_not_there_changes_nothing():
    want = model.normalize("xtr", {"instances": [{"instance_id": 9}], "locator_sets": [{"name": "NONE"}],
                                   "ipv6": {"itr": {"enabled": True}}})
    assert states.compute_after("xtr", "deleted", SITE1, want) == model.canonical("xtr", SITE1)


def test_gathered_is_not_a_change():
    with pytest.raises(ValueError):
        states.compute_after("xtr", "gathered", {}, {})


def test_after_is_validated():
    # merged adds a map-server with no key: the device would hold a map-server it cannot use
    want = model.normalize("xtr", {"ipv4": {"etr": {"map_servers": [{"address": "127.0.10.9"}]}}})
    with pytest.raises(ValidationError) as info:
        states.compute_after("xtr", "merged", SITE1, want)
    assert info.value.value == "127.0.10.9"


def test_deleting_a_referenced_locator_set_is_caught_by_references():
    after = states.compute_after("xtr", "deleted", SITE1, model.normalize("xtr", {"locator_sets": [{"name": "RLOCS"}]}))
    assert "locator_sets" not in after
    with pytest.raises(ValidationError) as info:
        model.validate_references("xtr", after)
    assert info.value.value == "RLOCS"
