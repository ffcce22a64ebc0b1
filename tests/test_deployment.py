"""docker-compose.yml (no Docker engine here: the file is parsed and its properties checked)."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import REPO
from tests.production import api_server_probes

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-worker-warehouse",
}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_services_of_an_airflow_3_celery_deployment(compose):
    services = compose["services"]
    assert set(services) == AIRFLOW_SERVICES | {"postgres", "redis"}
    commands = {name: services[name].get("command") for name in AIRFLOW_SERVICES - {"airflow-init"}}
    assert commands == {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
        "airflow-worker": "celery worker --queues default",
        "airflow-worker-warehouse": "celery worker --queues warehouse --concurrency 1",
    }


def test_images_are_pinned_and_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        image = service["image"]
        assert re.fullmatch(r"[\w./-]+:\d[\w.-]*", image) and not image.endswith(":latest"), (name, image)
        assert "healthcheck" in service, name
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2-python3.11" in dockerfile
    assert "-r /opt/budget/requirements.txt" in dockerfile


def test_airflow_components_share_executor_database_broker_and_jwt_secret(compose):
    envs = [compose["services"][name]["environment"] for name in AIRFLOW_SERVICES]
    for env in envs:
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    secrets = {env["AIRFLOW__API_AUTH__JWT_SECRET"] for env in envs}
    assert secrets == {"${AIRFLOW_JWT_SECRET:?set AIRFLOW_JWT_SECRET}"}


def test_workers_start_once_the_execution_api_they_call_has_answered(compose):
    """The execution API builds its versions' routes on its first request: the API server's healthcheck makes that
    request, and the workers wait for it to pass."""
    services = compose["services"]
    execution_api = services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
    probed = api_server_probes(compose)
    assert any(path.startswith(execution_api.removeprefix("http://airflow-apiserver:8080")) for path in probed)
    assert "/api/v2/version" in probed
    for worker in ("airflow-worker", "airflow-worker-warehouse"):
        assert services[worker]["depends_on"]["airflow-apiserver"] == {"condition": "service_healthy"}


def test_only_the_warehouse_worker_mounts_the_warehouse_and_every_queue_of_the_dag_has_its_worker(compose, dag):
    services = compose["services"]
    for name in AIRFLOW_SERVICES:
        assert "./dags:/opt/budget/dags:ro" in services[name]["volumes"], name
        assert services[name]["environment"]["WAREHOUSE_PATH"] == "/data/warehouse/budget.duckdb"
    mounting = {name for name in AIRFLOW_SERVICES if "warehouse:/data/warehouse" in services[name]["volumes"]}
    assert mounting == {"airflow-init", "airflow-worker-warehouse"}
    assert "warehouse" in compose["volumes"]

    def queues(command: str) -> set[str]:
        words = command.split()
        return set(words[words.index("--queues") + 1].split(","))

    served = {
        q: name
        for name in AIRFLOW_SERVICES
        if "celery" in services[name]["command"]
        for q in queues(services[name]["command"])
    }
    assert {t.queue for t in dag.tasks} == set(served)
    # The queue that writes DuckDB is served by one worker, one task at a time, on the host with the volume.
    assert served["warehouse"] == "airflow-worker-warehouse"
    assert "--concurrency 1" in services["airflow-worker-warehouse"]["command"]
    assert all(t.queue == "warehouse" for t in dag.tasks if t.task_id != "fetch_feeds")


def test_the_analytics_database_its_roles_and_the_api_passwords_come_from_the_operator(compose):
    env = compose["x-airflow-common"]["environment"]
    assert env["ANALYTICS_DATABASE_URL"].startswith("postgresql://budget:${ANALYTICS_LOADER_PASSWORD:?")
    assert env["ANALYTICS_DATABASE_URL"].endswith("@postgres:5432/analytics")
    postgres = compose["services"]["postgres"]
    assert "./deploy/postgres-init.sh:/docker-entrypoint-initdb.d/analytics.sh:ro" in postgres["volumes"]
    assert {"ANALYTICS_LOADER_PASSWORD", "ANALYST_PASSWORD"} <= set(postgres["environment"])
    script = (REPO / "deploy" / "postgres-init.sh").read_text()
    assert env["ANALYTICS_READER_ROLE"] in script and "default_transaction_read_only = on" in script
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] == "/run/secrets/airflow_passwords.json"
    assert compose["secrets"]["airflow_passwords"]["file"].startswith("./secrets/")
