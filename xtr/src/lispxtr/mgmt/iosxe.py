"""Texts the IOS-XE 17.9 exec prints that have nothing to do with LISP: `show version` and friends.

Kept apart from the session logic so the shapes that cisco.ios / Netmiko / TTP parse are in one place:
cisco.ios's cliconf reads `Version (\\S+)`, `^[Cc]isco (.+) \\(revision`, `^(.+) uptime` and
`image file is "(.+)"` from `show version`.
"""

import hashlib
import time

VERSION = "17.09.01"
IOS_VERSION = "17.9.1"
PLATFORM = "C8000V"
NVRAM_BYTES = 33554432


def uptime_text(seconds):
    """IOS style: '1 week, 2 days, 3 hours, 4 minutes' (leading zero units dropped)."""
    minutes = int(seconds // 60)
    units = (("year", 525600), ("week", 10080), ("day", 1440), ("hour", 60), ("minute", 1))
    parts = []
    for name, size in units:
        count, minutes = divmod(minutes, size)
        if count or parts or name == "minute":
            parts.append("%d %s%s" % (count, name, "" if count == 1 else "s"))
    return ", ".join(parts)


def serial_number(hostname):
    digest = hashlib.sha256(hostname.encode()).hexdigest().upper()
    return "9" + digest[:10]


def show_version(hostname, uptime_seconds):
    serial = serial_number(hostname)
    lines = [
        "Cisco IOS XE Software, Version %s" % VERSION,
        "Cisco IOS Software [Cupertino], Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), "
        "Version %s, RELEASE SOFTWARE (fc8)" % IOS_VERSION,
        "Technical Support: http://www.cisco.com/techsupport",
        "Copyright (c) 1986-2022 by Cisco Systems, Inc.",
        "Compiled Wed 10-Aug-22 05:15 by mcpre",
        "",
        "",
        "This is the lispnet reference LISP xTR, managed like IOS-XE; it is not Cisco software.",
        "",
        "",
        "ROM: IOS-XE ROMMON",
        "",
        "%s uptime is %s" % (hostname, uptime_text(uptime_seconds)),
        "Uptime for this control processor is %s" % uptime_text(uptime_seconds),
        "System returned to ROM by reload",
        'System image file is "bootflash:packages.conf"',
        "Last reload reason: reload",
        "",
        "",
        "",
        "License Level: network-advantage",
        "License Type: Perpetual",
        "Next reload license Level: network-advantage",
        "",
        "The current throughput level is 10000 kbps ",
        "",
        "",
        "Smart Licensing Status: Registration Not Applicable/Not Applicable",
        "",
        "cisco %s (VXE) processor (revision VXE) with 2028465K/3075K bytes of memory." % PLATFORM,
        "Processor board ID %s" % serial,
        "Router operating mode: Autonomous",
        "1 Gigabit Ethernet interface",
        "32768K bytes of non-volatile configuration memory.",
        "3965112K bytes of physical memory.",
        "11526144K bytes of virtual hard disk at bootflash:.",
        "",
        "Configuration register is 0x2102",
        "",
    ]
    return "\n".join(lines)


def show_clock(now=None):
    stamp = time.gmtime(now if now is not None else time.time())
    millis = int(((now or time.time()) % 1) * 1000)
    return "*%s.%03d UTC %s" % (time.strftime("%H:%M:%S", stamp), millis, time.strftime("%a %b %d %Y", stamp))


def show_startup(text):
    if not text:
        return "startup-config is not present\n"
    return "Using %d out of %d bytes\n%s" % (len(text.encode()), NVRAM_BYTES, text)


def running_header(text):
    """`show running-config` starts with 'Building configuration...' and 'Current configuration'."""
    return "Building configuration...\n\nCurrent configuration : %d bytes\n%s" % (len(text.encode()), text)
