"""A small in-process LRS: ``GET /xapi/statements`` with ``since``, ``ascending``, ``limit``,
``more`` paging, the version header and Basic auth — the peer ``mooc track pull`` talks to."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


class MiniLrs:
    """Statements held in memory; every request is recorded for assertions."""

    def __init__(
        self, *, page_size: int = 3, user: str = "trainer", password: str = "mật-khẩu"
    ) -> None:
        self.statements: list[dict[str, Any]] = []
        self.page_size = page_size
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.requests: list[dict[str, Any]] = []
        self.fail_on_request: int | None = None
        self.url = ""

    def add(self, statement: dict[str, Any], stored: str) -> None:
        """Store a statement with its ``stored`` time."""
        self.statements.append({**statement, "stored": stored})

    def query(self, params: dict[str, str]) -> tuple[list[dict[str, Any]], str]:
        """One page of the answer to ``params`` and the ``more`` link."""
        voided = {s["object"]["id"] for s in self.statements if s["verb"]["id"] == VOIDED}
        rows = [s for s in self.statements if s["id"] not in voided]
        if "since" in params:
            since = datetime.fromisoformat(params["since"])
            rows = [s for s in rows if datetime.fromisoformat(s["stored"]) > since]
        rows.sort(
            key=lambda s: datetime.fromisoformat(s["stored"]),
            reverse=params.get("ascending") != "true",
        )
        offset = int(params.get("offset", "0"))
        limit = int(params.get("limit", str(self.page_size)))
        page = rows[offset : offset + limit]
        more = ""
        if offset + limit < len(rows):
            more = "/xapi/statements?" + urllib.parse.urlencode(
                {**params, "offset": offset + limit}
            )
        return page, more


def _handler(lrs: MiniLrs) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Experience-API-Version", "1.0.3")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(url.query))
            lrs.requests.append(
                {"path": url.path, "params": params, "headers": dict(self.headers.items())}
            )
            if url.path != "/xapi/statements":
                self._send(404, {"error": "not found"})
            elif not self.headers.get("X-Experience-API-Version", "").startswith("1.0"):
                self._send(400, {"error": "X-Experience-API-Version header missing"})
            elif self.headers.get("Authorization") != lrs.auth:
                self._send(401, {"error": "unauthorised"})
            elif lrs.fail_on_request == len(lrs.requests):
                self._send(400, {"error": "simulated failure"})
            else:
                page, more = lrs.query(params)
                self._send(200, {"statements": page, "more": more})

    return Handler


@contextmanager
def running(lrs: MiniLrs) -> Iterator[MiniLrs]:
    """Serve ``lrs`` on a free port; ``lrs.url`` is its xAPI endpoint."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(lrs))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    lrs.url = f"http://127.0.0.1:{server.server_address[1]}/xapi/"
    try:
        yield lrs
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
