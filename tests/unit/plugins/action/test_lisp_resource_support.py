# -*- coding: utf-8 -*-
"""Shared helpers of the lisp_mapping_system / lisp_sites / lisp_xtr action tests.

``FakeDevice`` stands in for a transport: it serves its configuration through the real codecs
(``show running-config | section router lisp`` text for CLI, ``<data>`` for NETCONF), records what
the action sends, and after a change holds ``next_state`` (the configuration the test expects the
device to have) so that the action's re-read and a second run see it.
"""

from __future__ import annotations

from unittest import mock

from lxml import etree

from ansible.playbook.task import Task
from ansible.template import Templar
from ansible.parsing.dataloader import DataLoader

from ansible_collections.lispnet.lisp.plugins.plugin_utils import cli_codec, model, resource_action, xml_codec
from ansible_collections.lispnet.lisp.plugins.plugin_utils.transport import TransportError

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
MASK = "********"


def data_element(resource, config):
    """The <data> element a device answers <get-config> with, holding config."""
    data = etree.Element("{%s}data" % NC, nsmap={None: NC})
    if config:
        payload = etree.fromstring(xml_codec.render(resource, config).encode())
        if etree.QName(payload).localname == "config":
            for child in payload:
                data.append(child)
        else:
            data.append(payload)
    return data


class FakeDevice:
    """A transport double holding one resource's configuration."""

    def __init__(self, kind, resource, state=None, *, fail_apply=None, next_state=None, partial_state=None):
        self.kind = kind
        self.resource = resource
        self.state = model.canonical(resource, state)
        self.fail_apply = fail_apply
        self.next_state = next_state
        self.partial_state = partial_state  # what a failing change leaves behind (IOS CLI applies line by line)
        self.applied = []
        self.reads = 0
        self.closed = False
        self.host, self.port = "127.0.0.1", 2022 if kind == "cli" else 2830
        self.where = "%s %s:%s" % (kind, self.host, self.port)
        self.running_text = None  # overrides what get_running_section() answers

    def get_running_section(self):
        self.reads += 1
        if self.running_text is not None:
            return self.running_text
        return cli_codec.running_config(self.resource, self.state) if self.state else ""

    def get_config(self, filter_xml, source="running"):
        assert filter_xml == xml_codec.filter_xml(self.resource)
        assert source == "running"
        self.reads += 1
        return data_element(self.resource, self.state)

    def _change(self, change):
        self.applied.append(change)
        if self.fail_apply:
            error, self.fail_apply = self.fail_apply, None
            if self.partial_state is not None:
                self.state = model.canonical(self.resource, self.partial_state)
            raise error
        if self.next_state is not None:
            self.state = model.canonical(self.resource, self.next_state)

    def apply(self, lines):
        assert self.kind == "cli"
        self._change(list(lines))
        return "ok"

    def edit(self, config_xml):
        assert self.kind == "netconf"
        self._change(config_xml)
        return "<ok/>"

    def close(self):
        self.closed = True


def run_action(action_cls, args, *, device=None, check_mode=False, diff=False, transport="netconf", task_vars=None):
    """Run an action plugin the way the task executor does, with connect() returning device."""
    task = Task()
    task.action = "lispnet.lisp." + action_cls.__module__.rsplit(".", 1)[-1]
    task.args = dict(args)
    task.check_mode = check_mode
    task.diff = diff
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    loader = DataLoader()
    variables = {"inventory_hostname": "r1", "ansible_host": "127.0.0.1", "lispnet_transport": transport}
    variables.update(task_vars or {})
    action = action_cls(task=task, connection=connection, play_context=mock.MagicMock(), loader=loader,
                        templar=Templar(loader=loader, variables=variables), shared_loader_obj=None)

    def fake_connect(task_vars, *, templar=None):
        del templar
        assert task_vars["lispnet_transport"] == transport
        if device is None:
            raise AssertionError("the action opened a session although it must not")
        if isinstance(device, Exception):
            raise device
        return device

    if device == "real":  # the real transport.connect(), to the server task_vars name
        return action.run(task_vars=variables)
    with mock.patch.object(resource_action, "connect", fake_connect):
        return action.run(task_vars=variables)


def assert_masked(result, *secrets):
    text = repr(result)
    for secret in secrets:
        assert secret not in text, "secret %r leaked in %s" % (secret, text)


def transport_error(message):
    return TransportError(message)
