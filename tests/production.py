"""The deployment of docker-compose.yml as plain processes on 127.0.0.1, for the production-shaped tests.

PostgreSQL (a throw-away cluster: initdb + pg_ctl, Debian's postgresql), Redis (redis-server, no persistence),
`airflow db migrate`, then api-server, scheduler, dag-processor, triggerer and Celery workers, each its own process
(its own session, so it is stopped with everything it started), with the compose file's AIRFLOW__* settings.
Every process is stopped by its pid at the end, also when a test fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.conftest import REPO

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
ADMIN = "admin"
ANALYST = "analyst"
# Every database role of the throw-away cluster has its own name as password (postgres, airflow, budget, analyst).
# Settings of the test alone, so that a killed worker's task is retried within the test's minutes (production
# keeps Airflow's five-minute heartbeat timeout and the DAG's five-minute retry delay).
TEST_ONLY = {
    "AIRFLOW_HOME",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL",
    "AIRFLOW__CORE__HOSTNAME_CALLABLE",
    "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT",
    "NIGHTLY_RETRY_DELAY_SECONDS",
    "HOST_NAME",
}


def run(args: list[str], **kwargs) -> str:
    """A command to its end; its output in the error when it fails."""
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise RuntimeError(
            f"{' '.join(args[:4])}... exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL absent: `make system-packages` installs Debian's postgresql")
    return found[-1].parent


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    killed: bool = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self, sig: int = signal.SIGTERM, wait: float = 20) -> None:
        """The process and all it started (its session), by pid."""
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)
        try:
            self.popen.wait(wait)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(10)

    def kill(self) -> None:
        """As a host that dies: SIGKILL to the process and all it started, nothing cleaned up."""
        self.killed = True
        self.stop(signal.SIGKILL)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} (pid {self.pid}) ---\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class Deployment:
    root: Path
    data: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    record: dict = field(default_factory=dict)
    pg_port: int = 0
    api_port: int = 0
    token: str = ""
    pg_root: Path | None = None
    pg_data: Path | None = None

    # --- the servers ---------------------------------------------------------------------------------------
    def _as_postgres(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def start_postgres(self) -> None:
        self.pg_port = free_port()
        # Its own folder outside the test's (pytest's is private to root; PostgreSQL refuses to run as root).
        self.pg_root = Path(tempfile.mkdtemp(prefix="budget-pg-"))
        self.pg_data = self.pg_root / "data"
        password = self.pg_root / "superuser"
        password.write_text("postgres\n")  # the superuser's, by the rule above
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in (self.pg_root, password):
                os.chown(path, user.pw_uid, user.pw_gid)
        bin_ = postgres_bin()
        run(
            self._as_postgres(
                [
                    str(bin_ / "initdb"),
                    "-D",
                    str(self.pg_data),
                    "-U",
                    "postgres",
                    f"--pwfile={password}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        )
        run(
            self._as_postgres(
                [
                    str(bin_ / "pg_ctl"),
                    "-D",
                    str(self.pg_data),
                    "-l",
                    str(self.pg_data / "server.log"),
                    "-w",
                    "-o",
                    f"-p {self.pg_port} -k {self.pg_data} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start",
                ]
            )
        )
        # Airflow's metadata database as the postgres image makes it, then the compose file's own init script.
        self.psql("create role airflow login password 'airflow'")
        self.psql("create database airflow owner airflow")
        run(
            ["sh", str(REPO / "deploy" / "postgres-init.sh")],
            env={
                **os.environ,
                "PGHOST": "127.0.0.1",
                "PGPORT": str(self.pg_port),
                "PGPASSWORD": "postgres",
                "POSTGRES_USER": "postgres",
                "ANALYTICS_LOADER_PASSWORD": "budget",
                "ANALYST_PASSWORD": ANALYST,  # the roles the script makes, each with its name as password
            },
        )

    def psql(self, sql: str, database: str = "postgres", user: str = "postgres") -> str:
        done = run(
            [
                "psql",
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.pg_port),
                "-U",
                user,
                "-d",
                database,
                "-c",
                sql,
            ],
            env={**os.environ, "PGPASSWORD": user},
        )
        return done.strip()

    def database_url(self, database: str, user: str, scheme: str = "postgresql") -> str:
        """The URL of `database` for `user` (whose password is its name)."""
        return f"{scheme}://{user}:{user}@127.0.0.1:{self.pg_port}/{database}"

    def start_redis(self) -> int:
        port = free_port()
        self.spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            host="redis",
        )
        self.wait_for(lambda: _answers(port), "redis")
        return port

    # --- Airflow -------------------------------------------------------------------------------------------
    def configure(self, compose: dict, redis_port: int) -> None:
        """The compose file's environment with this machine's addresses and folders in place of the services'
        names and the volumes, and test values for the secrets it asks of the operator."""
        self.api_port = free_port()
        home = self.root / "airflow"
        home.mkdir()
        (home / "passwords.json").write_text(json.dumps({ADMIN: secrets.token_hex(8)}))
        asked = {
            "AIRFLOW_JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW_FERNET_KEY": "",
            "ANALYTICS_LOADER_PASSWORD": "budget",
        }
        places = {
            "@postgres:5432/": f"@127.0.0.1:{self.pg_port}/",
            "redis://redis:6379/": f"redis://127.0.0.1:{redis_port}/",
            "http://airflow-apiserver:8080/": f"http://127.0.0.1:{self.api_port}/",
            "/opt/budget/dags": str(REPO / "dags"),
            "/data/": f"{self.data}/",
            "/run/secrets/airflow_passwords.json": str(home / "passwords.json"),
        }
        self.env = {}
        for name, value in compose["x-airflow-common"]["environment"].items():
            value = re.sub(r"\$\{(\w+)(:[?-][^}]*)?\}", lambda m: asked[m.group(1)], str(value))
            for service, here in places.items():
                value = value.replace(service, here)
            self.env[name] = value
        self.env.update(
            AIRFLOW_HOME=str(home),
            AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="20",
            AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL="5",
            AIRFLOW__CORE__HOSTNAME_CALLABLE="tests.host_name.host_name",
            NIGHTLY_RETRY_DELAY_SECONDS="5",
        )
        for path in ("inbox", "warehouse", "reports"):
            (self.data / path).mkdir(parents=True, exist_ok=True)

    def process_env(self, host: str) -> dict[str, str]:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(
                ("AIRFLOW", "INBOX_DIR", "WAREHOUSE_PATH", "REPORTS_DIR", "ANALYTICS_", "BUILD_CACHE_DIR")
            )
        }
        return {**keep, **self.env, "HOST_NAME": host, "PYTHONPATH": str(REPO)}

    def spawn(self, name: str, args: list[str], host: str, extra: dict[str, str] | None = None) -> Process:
        log = self.root / f"{name}.log"
        out = log.open("ab")
        popen = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.root,
            start_new_session=True,
            env={**self.process_env(host), **(extra or {})},
        )
        out.close()
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def migrate(self) -> None:
        run(
            [AIRFLOW, "db", "migrate"],
            env=self.process_env("airflow-init"),
            cwd=self.root,
        )

    def start_airflow(self, compose: dict) -> None:
        """Each Airflow service of the compose file but the workers, by its own command; the API on a free port."""
        for name, service in compose["services"].items():
            command = service.get("command")
            if name.startswith("airflow-") and isinstance(command, str) and not command.startswith("celery"):
                port = ["--port", str(self.api_port), "--workers", "1"] if command == "api-server" else []
                self.spawn(name, [AIRFLOW, *command.split(), *port], host=name)
        # Ready as the compose file's healthcheck says (the workers wait for it): each URL it probes answers.
        probed = api_server_probes(compose)
        self.wait_for(lambda: all(self._serves(path) for path in probed), "the API server", timeout=120)
        password = json.loads((Path(self.env["AIRFLOW_HOME"]) / "passwords.json").read_text())[ADMIN]
        answer = requests.post(f"{self.url}/auth/token", json={"username": ADMIN, "password": password}, timeout=30)
        answer.raise_for_status()
        self.token = answer.json()["access_token"]

    def start_worker(self, name: str, command: str) -> Process:
        """A Celery worker as the compose file's service `name` runs it (its `command`), one at a time."""
        args = command.split()
        if "--concurrency" not in args:
            args += ["--concurrency", "1"]
        return self.spawn(
            name,
            [AIRFLOW, *args, "--celery-hostname", f"{name}@%h"],
            host=name,
            extra={"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())},
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _serves(self, path: str) -> bool:
        try:
            return requests.get(f"{self.url}{path}", timeout=30).ok
        except (requests.ConnectionError, requests.Timeout):
            return False

    def api(self, method: str, path: str, headers: dict | None = None, **kwargs):
        answer = requests.request(
            method,
            f"{self.url}/api/v2{path}",
            headers={"Authorization": f"Bearer {self.token}", **(headers or {})},
            timeout=60,
            **kwargs,
        )
        answer.raise_for_status()
        return answer.json() if answer.headers.get("content-type", "").startswith("application/json") else answer

    # --- waiting -------------------------------------------------------------------------------------------
    def wait_for(self, ready, what: str, timeout: float = 60, every: float = 0.5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.popen.poll() is not None and not process.killed:
                    raise RuntimeError(f"{process.name} stopped while waiting for {what}\n{process.tail()}")
            value = ready()
            if value:
                return value
            time.sleep(every)
        raise TimeoutError(f"{what}: not ready after {timeout} s\n" + "\n".join(p.tail() for p in self.processes))

    def stop(self) -> None:
        """Every process by its pid: SIGTERM to all at once, then SIGKILL to whatever still runs after 10 s."""
        for process in self.processes:
            if process.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.stop(wait=10)
        if self.pg_data is not None:
            subprocess.run(
                self._as_postgres([str(postgres_bin() / "pg_ctl"), "-D", str(self.pg_data), "-m", "immediate", "stop"]),
                capture_output=True,
            )
            shutil.rmtree(self.pg_root, ignore_errors=True)

    def tails(self) -> str:
        return "\n".join(p.tail() for p in self.processes)


def api_server_probes(compose: dict) -> list[str]:
    """The paths the API server's healthcheck requests."""
    command = " ".join(compose["services"]["airflow-apiserver"]["healthcheck"]["test"])
    return re.findall(r"http://localhost:8080(/\S*)", command)


def _answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    return False
