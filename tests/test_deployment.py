"""docker-compose.yml (no Docker engine here: the file is parsed and its properties checked)."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import REPO

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
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
        "airflow-worker": "celery worker",
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


def test_project_folders_are_mounted_and_the_warehouse_is_on_a_volume(compose):
    for name in AIRFLOW_SERVICES:
        service = compose["services"][name]
        assert "./dags:/opt/budget/dags:ro" in service["volumes"]
        assert "./inbox:/data/inbox" in service["volumes"]
        assert "warehouse:/data/warehouse" in service["volumes"]
        assert service["environment"]["WAREHOUSE_PATH"] == "/data/warehouse/budget.duckdb"
    assert "warehouse" in compose["volumes"]
