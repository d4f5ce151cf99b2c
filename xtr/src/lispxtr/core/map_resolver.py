"""Map-Resolver (RFC 9301 §8.4): takes Encapsulated Map-Requests from ITRs and resolves them
through the Map-Server of the same router, or forwards them to the configured Map-Server(s)."""

from __future__ import annotations

from .map_server import MapServer
from .types import CONTROL_PORT, Counters, Send


class MapResolver:
    def __init__(self, rloc: str, map_server: MapServer | None = None, forward_to: tuple[str, ...] = (),
                 counters: Counters | None = None):
        self.rloc = rloc
        self.map_server = map_server
        self.forward_to = tuple(forward_to)
        self.counters = counters if counters is not None else Counters()

    def handle_request(self, request, ecm_data: bytes, reply_port: int, now: float) -> list[Send]:
        """An ECM'd Map-Request arrived from an ITR."""
        self.counters["map_resolver_requests"] += 1
        if self.map_server is not None:
            return self.map_server.handle_request(request, ecm_data, reply_port, now)
        return self._forward(ecm_data)

    def resolve(self, p, itr: str, nonce: int, ecm_data: bytes, reply_port: int) -> list[Send]:
        """``handle_request`` for a request read by ``wire.ecm.map_request_view``."""
        self.counters["map_resolver_requests"] += 1
        if self.map_server is not None:
            return self.map_server.answer(p, itr, nonce, ecm_data, reply_port)
        return self._forward(ecm_data)

    def _forward(self, ecm_data: bytes) -> list[Send]:
        if self.forward_to:
            # RFC 9301 §8.4: hand the request on towards the mapping system, unchanged (the
            # answer goes straight to the ITR-RLOC in it).
            self.counters.bump("map_request_forwarded")
            return [Send(ecm_data, (self.rloc, CONTROL_PORT), (self.forward_to[0], CONTROL_PORT))]
        self.counters.bump("map_request_dropped")
        return []
