"""A local web server for the browser tests, strict like an LMS that serves SCORM content.

Every response carries a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval', the
Permissions-Policy Moodle sends (``unload=()``) and ``X-Content-Type-Options: nosniff``; byte
ranges are served (video seeking), as real LMSs do.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; frame-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
PERMISSIONS_POLICY = "unload=()"
RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the base class declares it as a plain dict too
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".vtt": "text/vtt; charset=utf-8",
        ".svg": "image/svg+xml",
        ".png": "image/png",
        ".mp4": "video/mp4",
        ".webm": "video/webm",
        ".xml": "application/xml",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.send_header("Permissions-Policy", PERMISSIONS_POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def do_GET(self) -> None:
        wanted = self.headers.get("Range")
        path = Path(self.translate_path(self.path))
        if wanted and path.is_file() and (match := RANGE.fullmatch(wanted.strip())):
            self._send_range(path, match)
        else:
            super().do_GET()

    def _send_range(self, path: Path, match: re.Match[str]) -> None:
        size = path.stat().st_size
        first, last = match.group(1), match.group(2)
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        elif last:
            start, end = max(0, size - int(last)), size - 1
        else:
            start, end = 0, size - 1
        if start >= size or start > end:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        with path.open("rb") as source:
            source.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                chunk = source.read(min(remaining, 1 << 16))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)

    def copyfile(self, source: Any, outputfile: Any) -> None:
        # The browser drops media requests half-way as a matter of course.
        with contextlib.suppress(ConnectionError):
            shutil.copyfileobj(source, outputfile)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser hanging up mid-response is not a test failure


class LmsServer:
    """Serve ``root`` on ``127.0.0.1`` at a free port, in a background thread."""

    def __init__(self, root: Path) -> None:
        self.root = root

        def handler(*args: Any, **kwargs: Any) -> _Handler:
            return _Handler(*args, directory=str(root), **kwargs)

        self._server = _Server(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LmsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
