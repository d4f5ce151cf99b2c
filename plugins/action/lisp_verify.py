# -*- coding: utf-8 -*-
# Copyright: lispnet.lisp contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of lispnet.lisp.lisp_verify: gather, check, wait, explain (on the controller)."""

from __future__ import annotations

import time

from ansible.plugins.action import ActionBase

from ansible_collections.lispnet.lisp.plugins.action.lisp_facts import validate_args
from ansible_collections.lispnet.lisp.plugins.modules.lisp_verify import ARGUMENT_SPEC
from ansible_collections.lispnet.lisp.plugins.plugin_utils import verify
from ansible_collections.lispnet.lisp.plugins.plugin_utils.connection_transport import Opener
from ansible_collections.lispnet.lisp.plugins.plugin_utils.facts import gather as gather_mod

EXPECTATION_KEYS = verify.KINDS


class DeviceGatherer:
    """gather() for verify.wait_for: one session kept across attempts, reopened after a failure."""

    def __init__(self, task_vars, templar, subsets, instance_ids, connect=None):
        self.task_vars = task_vars
        self.templar = templar
        self.subsets = subsets
        self.instance_ids = instance_ids
        self._connect = connect
        self._transport = None
        self._error_types = (Exception,)

    def _open(self):
        if self._connect is None:
            # pylint: disable-next=import-outside-toplevel  # ncclient/netmiko load only when a device is read
            from ansible_collections.lispnet.lisp.plugins.plugin_utils import transport as transport_mod

            self._connect = transport_mod.connect
            self._error_types = (transport_mod.TransportError,)
        return self._connect(self.task_vars, templar=self.templar)

    def __call__(self):
        if self._transport is None:
            self._transport = self._open()
        try:
            facts, _info = gather_mod.gather(self._transport, self.subsets, self.instance_ids,
                                             error_types=self._error_types)
        except Exception:
            self.close()
            raise
        return facts

    def close(self):
        if self._transport is not None:
            try:
                self._transport.close()
            finally:
                self._transport = None


def summary(result, expectations):
    count = sum(len(expectations.get(k) or ()) for k in EXPECTATION_KEYS)
    if result["ok"]:
        return "all %d expectation(s) hold (attempt %d, %.1fs)" % (count, result["attempts"], result["elapsed"])
    lines = ["%d unmet after %d attempt(s) in %.1fs:" % (len(result["unmet"]), result["attempts"], result["elapsed"])]
    lines += ["- %s: expected %s, observed %s" % (u["what"], u["expected"], u["observed"]) for u in result["unmet"]]
    return "\n".join(lines)


def run_verify(params, gather, clock=time.monotonic, sleep=time.sleep, progress=None):
    """The module's logic, free of Ansible: -> task result dict."""
    expectations = {k: params.get(k) or [] for k in EXPECTATION_KEYS}
    if not any(expectations.values()):
        return {"failed": True, "changed": False, "msg": "nothing to verify: give sites, map_cache, database or counters",
                "lisp": {}, "attempts": 0, "elapsed": 0.0, "unmet": []}
    timeout = params.get("timeout", 60)
    interval = params.get("interval", 5)
    if timeout < 0 or interval < 0:
        return {"failed": True, "changed": False, "msg": "timeout and interval must not be negative",
                "lisp": {}, "attempts": 0, "elapsed": 0.0, "unmet": []}
    try:
        result = verify.wait_for(gather, expectations, timeout=timeout, interval=max(interval, 0),
                                 clock=clock, sleep=sleep, progress=progress)
    except verify.VerifyError as exc:
        return {"failed": True, "changed": False, "msg": str(exc), "lisp": {}, "attempts": 0, "elapsed": 0.0,
                "unmet": []}
    out = {
        "changed": False,
        "lisp": result["facts"],
        "attempts": result["attempts"],
        "elapsed": result["elapsed"],
        "unmet": result["unmet"],
        "msg": summary(result, expectations),
    }
    if not result["ok"]:
        out["failed"] = True
    return out


class ActionModule(ActionBase):
    """lispnet.lisp.lisp_verify"""

    _requires_connection = True  # the host's persistent connection, or a session of its own (connection_transport.Opener)
    _supports_check_mode = True
    _supports_async = False
    CONNECT = None  # tests put a fake transport factory here
    CLOCK = staticmethod(time.monotonic)
    SLEEP = staticmethod(time.sleep)

    def _progress(self, attempt, unmet):
        host = self._task.get_name() if self._task else "lisp_verify"
        self._display.v("%s: attempt %d, still waiting for: %s" % (host, attempt, verify.format_unmet(unmet)))

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        params, error = validate_args(self._task.args, ARGUMENT_SPEC)
        if error:
            return {"failed": True, "changed": False, "msg": "Invalid arguments for %s: %s" % (self._task.action, error)}
        expectations = {k: params.get(k) or [] for k in EXPECTATION_KEYS}
        subsets = set(verify.subsets_for(expectations))
        if params.get("outputs") is not None:
            outputs = {str(k): "" if v is None else str(v) for k, v in params["outputs"].items()}

            def gather():
                facts, _info = gather_mod.from_outputs(outputs, subsets, params.get("instance_ids"))
                for subset in subsets:
                    facts.setdefault(subset, [])
                return facts

            params = dict(params, timeout=0)
            return run_verify(params, gather, clock=self.CLOCK, sleep=self.SLEEP)
        gatherer = DeviceGatherer(task_vars, self._templar, subsets, params.get("instance_ids"), connect=self.CONNECT or Opener.persistent_only(self))
        try:
            return run_verify(params, gatherer, clock=self.CLOCK, sleep=self.SLEEP, progress=self._progress)
        finally:
            gatherer.close()
