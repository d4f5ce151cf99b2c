"""Reference LISP router (RFC 9300/9301) managed like Cisco IOS-XE."""

__version__ = "0.1.0"
