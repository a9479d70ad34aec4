import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from etelecom.sandbox.control import SandboxControl


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


def spawn(*command: str) -> subprocess.Popen:
    # Each child gets its own session: Ctrl-C reaches only this process, which then stops each child's main
    # process with SIGTERM (a signal to a django-q2 cluster's whole process group does not stop it).
    return subprocess.Popen(command, start_new_session=True)


class Command(BaseCommand):
    help = (
        "Start the eTelecom sandbox, load the demo data, then run the django-q2 cluster and the web server. "
        "Ctrl-C stops all three."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address of the web server")

    def handle(self, *args, addr, **options):
        sandbox = urlsplit(settings.ETELECOM_PARTNER_BASE_URL)
        sandbox_url = f"{sandbox.scheme}://{sandbox.netloc}"
        port = sandbox.port or 80
        web_host, _, web_port = addr.rpartition(":")
        # Another sandbox or console on these ports would answer in place of the ones started here.
        for host, taken in ((sandbox.hostname, port), (web_host, int(web_port))):
            if port_in_use(host, taken):
                raise CommandError(f"{host}:{taken} is already in use; stop what runs there (an earlier make run?).")
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        sandbox_command = ["-m", "etelecom.sandbox", "--port", str(port), "--dataset", "demo", "--history-days", "30"]
        children = [spawn(sys.executable, *sandbox_command)]
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            try:
                SandboxControl(sandbox_url).wait_ready(timeout=15)
            except Exception as exc:
                raise CommandError(f"the sandbox did not start on {sandbox_url}: {type(exc).__name__}") from exc
            call_command("load_demo", stdout=self.stdout, stderr=self.stderr)
            children.append(spawn(sys.executable, manage, "qcluster"))
            children.append(spawn(sys.executable, manage, "runserver", addr, "--noreload", "--nostatic"))
            self.stdout.write(self.style.SUCCESS(f"\nConsole on http://{addr}/admin/  (Ctrl-C stops everything)\n"))
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
            if not stopping:
                raise CommandError("a process of the demo stopped; stopping the others")
        finally:
            self._stop(children)

    def _stop(self, children):
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Stopped the sandbox, the cluster and the web server.")
