# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of lispnet.lisp.lisp_sites: runs the module on the controller (see resource_action)."""

from __future__ import annotations

from ansible_collections.lispnet.lisp.plugins.module_utils.argspec import SITES_ARGSPEC
from ansible_collections.lispnet.lisp.plugins.plugin_utils.resource_action import ResourceActionBase


class ActionModule(ResourceActionBase):
    """lispnet.lisp.lisp_sites: the 'sites' part of the router lisp configuration."""

    RESOURCE = "sites"
    ARGSPEC = SITES_ARGSPEC
