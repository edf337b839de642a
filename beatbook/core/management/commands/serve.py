"""``beatbook serve``: serve Beatbook for real use with uvicorn (not runserver)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import warnings
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def application() -> Any:
    """The ASGI app (beatbook.asgi:application) as served by ``beatbook serve``.

    uvicorn calls this factory in each worker. Static files come from
    STATIC_ROOT, filled by collectstatic with pre-compressed copies
    (WHITENOISE_USE_FINDERS is off unless DEBUG or set in the environment).
    """
    # WhiteNoise serves static files as FileResponses over synchronous
    # iterators, which Django's ASGI handler reads in a thread and warns about
    # on every file (static files are small; reading one whole is harmless).
    # Our own streamed responses (the audit CSV export) use asynchronous
    # iterators under ASGI, so this only silences the static files' warning.
    warnings.filterwarnings(
        "ignore",
        message="StreamingHttpResponse must consume synchronous iterators",
        module=r"django\.core\.handlers\.asgi",
    )
    from beatbook.asgi import application as app

    return app


class Command(BaseCommand):
    help = (
        "Serve Beatbook over HTTP with uvicorn (ASGI app beatbook.asgi:application). Static files are "
        "collected into STATIC_ROOT first and served, compressed, by WhiteNoise."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="port to listen on (default 8000)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="worker processes (default 1; keep 1 on SQLite, use more on PostgreSQL)",
        )
        parser.add_argument(
            "--no-worker",
            action="store_false",
            dest="worker",
            help="do not start `beatbook worker` (MQTT intake, alerts, escalation, outbox) "
            "alongside the web server; run it separately instead",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_false",
            dest="collectstatic",
            help="skip collectstatic (STATIC_ROOT is already filled, e.g. read-only)",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        collectstatic: bool,
        worker: bool = True,
        **options: Any,
    ) -> None:
        import uvicorn

        self.check_migrations()
        if collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        database = settings.DATABASES["default"]
        where = (
            database["NAME"]
            if database["ENGINE"].endswith("sqlite3")
            else f"{database['HOST']}/{database['NAME']}"
        )
        self.stdout.write(f"Beatbook at http://{host}:{port}/ (database: {where}); Ctrl-C stops it")
        self.stdout.flush()
        background = None
        if worker:
            # its own process (own interpreter lock): MQTT intake and the jobs
            background = subprocess.Popen(  # noqa: S603 - our own interpreter and command
                [sys.executable, "-m", "beatbook", "worker", "--parent-pid", str(os.getpid())]
            )
            self.stdout.write(f"worker started (pid {background.pid}); --no-worker to skip it")
            self.stdout.flush()
        try:
            self._serve(uvicorn, host, port, workers, options)
        finally:
            if background is not None and background.poll() is None:
                background.send_signal(signal.SIGTERM)
                try:
                    background.wait(15)
                except subprocess.TimeoutExpired:
                    background.kill()

    def _serve(self, uvicorn: Any, host: str, port: int, workers: int, options: Any) -> None:
        uvicorn.run(
            f"{__name__}:application",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            # Django's ASGI handler does not speak the lifespan protocol
            lifespan="off",
            log_level="info" if options["verbosity"] >= 2 else "warning",
            access_log=options["verbosity"] >= 2,
        )
