"""`make run`: one command for the whole local stack.

Starts the embedded PostgreSQL and Valkey (unless DATABASE_URL / REDIS_URL are set),
migrates, loads the demo community into an empty database, prints the demo logins,
then runs the Procfile (web + Celery worker + beat) with honcho. Ctrl-C stops the
processes, then the embedded servers unless another process (say, a test run) still
uses them; the data stays in var/ for next time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)  # noqa: S603


def main() -> int:
    try:
        port = int(os.environ.get("PORT", "8000"))
    except ValueError:
        print(f"PORT must be a number, not {os.environ['PORT']!r}.", file=sys.stderr)
        return 2
    if port_in_use(port):
        print(
            f"Port {port} is already in use (another `make run`, or another program).\n"
            f"Stop it, or pick another port:  make run PORT={port + 1}",
            file=sys.stderr,
        )
        return 1

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hive.settings.local")
    os.environ.setdefault("HIVE_BASE_URL", f"http://127.0.0.1:{port}")  # links in emails
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    from hive import embedded

    try:
        if "DATABASE_URL" not in os.environ:
            print("Starting the embedded PostgreSQL (var/pg/) …", flush=True)
            embedded.postgres_url()
        if "REDIS_URL" not in os.environ:
            print("Starting the embedded Valkey (var/redis/) …", flush=True)
            embedded.redis_url()
        manage("migrate", "--noinput", "-v", "1")
        manage("seed_demo", "--if-empty")
        print_banner(port)
        # Ctrl-C reaches honcho and its processes directly (same process group); we wait
        # for them to finish, then stop the servers we started.
        # A SIGTERM (from `kill` or a supervisor) is passed on the same way.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        honcho = subprocess.Popen(  # noqa: S603
            [
                str(Path(sys.executable).parent / "honcho"),
                "start",
                "--procfile",
                "Procfile",
                "--port",
                str(port),
            ],
            cwd=BASE_DIR,
        )
        signal.signal(signal.SIGTERM, lambda *_: honcho.send_signal(signal.SIGTERM))
        return honcho.wait()
    except subprocess.CalledProcessError as exc:
        print(f"Setup step failed: {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        return 1
    finally:
        if embedded.release():
            print("Stopped the embedded servers (the data stays in var/).", flush=True)


def print_banner(port: int) -> None:
    from hive.demo import DEMO_LOGINS, DEMO_PASSWORD

    lines = [
        "",
        f"  Hive is starting at http://127.0.0.1:{port}/",
        "",
        f"  Demo logins (password: {DEMO_PASSWORD})",
        *(f"    {role:<10} {email}" for role, email in DEMO_LOGINS.items()),
        "",
        f"  Mail the app sends is captured at http://127.0.0.1:{port}/dev/mail/",
        "  Press Ctrl-C to stop.",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
