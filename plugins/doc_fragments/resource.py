# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state and running_config options every lispnet.lisp resource module shares."""

from __future__ import annotations


class ModuleDocFragment:
    """Options of the resource-module states (merged ... parsed), as in cisco.ios."""

    DOCUMENTATION = r"""
options:
  state:
    description:
    - What to do with O(config).
    - V(merged) adds and updates what is given and removes nothing.
    - V(replaced) replaces each given entry (or subtree) wholly with what is given; entries not given stay.
    - V(overridden) makes the device hold exactly O(config) for this resource; everything else of it is removed.
    - V(deleted) removes the given entries, or the whole resource when O(config) is omitted.
    - V(gathered) reads the device and returns its configuration in RV(gathered), changing nothing.
    - V(rendered) returns, offline, the CLI lines (RV(rendered)) and the NETCONF payload (RV(xml)) that configure O(config) on an empty device.
    - V(parsed) turns O(running_config) (CLI text or NETCONF XML) into the structured form, offline.
    type: str
    default: merged
    choices:
    - merged
    - replaced
    - overridden
    - deleted
    - gathered
    - rendered
    - parsed
  running_config:
    description:
    - Used only with O(state=parsed).
    - Either the text of C(show running-config | section router lisp) or the C(<data>) of a NETCONF C(<get-config>) reply (detected by its leading
      C(<)).
    type: str
"""

    KEYS = r"""
options:
  key_update:
    description:
    - When a key the task gives (C(authentication_key) of a site, C(key) of an ETR map-server) is sent to a device that already
      holds a key there. The device may store a clear-text key encrypted (see C(docs/normalisation.md) in the collection).
    - V(when_different) sends it when the device holds another key; a type 7 key on the device is decoded and compared, a type 6 key cannot
      be read on the controller and counts as the task's key (no change, with a warning).
    - V(always) also sends it when the device holds a type 6 key (the task then reports a change on every run).
    - V(on_create) never replaces a key the device holds, like C(update_password=on_create) of C(cisco.ios.ios_user).
    - A key given already encrypted (C(key_type) V(7) or V(6)) is compared with the device's stored key by its type and value.
    type: str
    default: when_different
    choices:
    - when_different
    - always
    - on_create
"""
