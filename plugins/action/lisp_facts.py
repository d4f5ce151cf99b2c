# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of lispnet.lisp.lisp_facts: gathers the ``lisp`` facts on the controller."""

from __future__ import annotations

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase

from ansible_collections.lispnet.lisp.plugins.modules.lisp_facts import ARGUMENT_SPEC, MUTUALLY_EXCLUSIVE
from ansible_collections.lispnet.lisp.plugins.plugin_utils.connection_transport import Opener
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import gather as gather_mod
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts.times import DurationError


def validate_args(args, argument_spec, mutually_exclusive=None):
    """-> (params, error message or None)."""
    validator = ArgumentSpecValidator(argument_spec, mutually_exclusive=mutually_exclusive)
    result = validator.validate(dict(args))
    if result.error_messages:
        return None, "; ".join(result.error_messages)
    return result.validated_parameters, None


def collect(params, task_vars, templar, subsets, connect=None):
    """Facts for the task: offline from outputs/oper_xml, else from the device. -> (facts, info).

    connect(task_vars, templar=...) opens the transport (injected by the tests)."""
    instance_ids = params.get("instance_ids")
    if params.get("outputs") is not None:
        outputs = {str(k): "" if v is None else str(v) for k, v in params["outputs"].items()}
        facts, info = gather_mod.from_outputs(outputs, subsets, instance_ids)
        info["transport"] = "offline"
        return facts, info
    if params.get("oper_xml"):
        facts, info = gather_mod.from_oper(params["oper_xml"], subsets, instance_ids, params.get("now"))
        info["transport"] = "offline"
        return facts, info
    # pylint: disable-next=import-outside-toplevel  # ncclient/netmiko load only when a device is read
    from ansible_collections.lispnet.lisp.plugins.plugin_utils import transport as transport_mod

    opener = connect or transport_mod.connect
    # an injected (test) transport raises its own error type; the 'cause' attribute decides
    error_types = (Exception,) if connect else (transport_mod.TransportError,)
    transport = opener(task_vars, templar=templar)
    try:
        return gather_mod.gather(transport, subsets, instance_ids, now=params.get("now"), error_types=error_types)
    finally:
        transport.close()


class ActionModule(ActionBase):
    """lispnet.lisp.lisp_facts"""

    _requires_connection = True  # the host's persistent connection, or a session of its own (connection_transport.Opener)
    _supports_check_mode = True
    _supports_async = False
    CONNECT = None  # tests put a fake transport factory here

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        params, error = validate_args(self._task.args, ARGUMENT_SPEC, MUTUALLY_EXCLUSIVE)
        if error:
            return {"failed": True, "changed": False, "msg": "Invalid arguments for %s: %s" % (self._task.action, error)}
        try:
            subsets = gather_mod.resolve_subsets(params["gather_subset"])
            facts, info = collect(params, task_vars, self._templar, subsets, connect=self.CONNECT or Opener.persistent_only(self))
        except (gather_mod.FactsError, DurationError, ValueError) as exc:
            return {"failed": True, "changed": False, "msg": str(exc)}
        except ImportError as exc:
            return {"failed": True, "changed": False, "msg": "lispnet.lisp is incomplete or a library is missing: %s" % exc}
        except Exception as exc:  # pylint: disable=broad-except  # TransportError and friends: a task failure, not a crash
            return {"failed": True, "changed": False, "msg": "%s: %s" % (exc.__class__.__name__, exc)}
        result = {
            "changed": False,
            "ansible_facts": {"lisp": facts},
            "commands": info.get("commands", []),
            "refused_commands": info.get("skipped", []),
            "unparsed": info.get("unparsed", []),
            "transport": info.get("transport"),
        }
        if info.get("unparsed"):
            result["warnings"] = ["no parser for: %s (ignored)" % ", ".join(info["unparsed"])]
        return result
