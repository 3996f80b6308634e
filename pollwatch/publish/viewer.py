"""`pollwatch view`: serve the report folder on 127.0.0.1, so links and images behave exactly as
they will on a web server. Loopback only: the report is not published by accident."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

from pollwatch.config import ConfigError


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files; keep the terminal for the URL, not a line per image."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's name)
        return


def report_server(directory: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """A server for `directory` on 127.0.0.1 (`port` 0 picks a free one); not yet serving."""
    if not (directory / "index.html").exists():
        raise ConfigError(f"no report in {directory} yet: run `pollwatch report` first")
    handler = functools.partial(QuietHandler, directory=str(directory.resolve()))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as err:
        raise ConfigError(f"cannot serve on 127.0.0.1:{port}: {err.strerror}") from None
