"""Check a file now, for deployments where people have no shell: trigger `check_file` with the file's path (and its
inbox folder when it is not in the inbox); the task's log says what the night will do with it and where its receipt
is (warehouse/check.py). Nothing is changed: the file is read into a copy of the published warehouse."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from airflow.sdk import Param, dag, task

from config import paths
from warehouse import check

# The check copies the published warehouse: it runs where the warehouse volume is, as the night's steps do.
WAREHOUSE_QUEUE = "warehouse"
log = logging.getLogger(__name__)


@dag(
    dag_id="check_file",
    schedule=None,
    catchup=False,
    tags=["budget", "inbox"],
    doc_md=__doc__,
    params={
        "path": Param(type="string", description="Chemin du fichier / the file's path, as the workers see it"),
        "kind": Param(
            None,
            type=["null", "string"],
            enum=[None, *check.KINDS],
            description="Dossier de la boîte, s'il n'y est pas / inbox folder, when it is not in the inbox",
        ),
    },
)
def check_file():
    @task(queue=WAREHOUSE_QUEUE, execution_timeout=dt.timedelta(minutes=10))
    def read_as_the_night_will(params: dict | None = None) -> dict:
        file, at = Path(params["path"]), paths()
        checked = check.check_file(file, check.default_out_dir(file, at), params["kind"], at)
        for line in check.summary(checked):
            log.info(line)
        return check.as_dict(checked)

    read_as_the_night_will()


check_file()
