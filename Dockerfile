# The project on the official Airflow 3 image: same pinned requirements as `make run`.
FROM apache/airflow:3.3.2-python3.11

USER root
COPY --chown=airflow:0 . /opt/budget
USER airflow
RUN pip install --no-cache-dir -r /opt/budget/requirements.txt \
    && pip install --no-cache-dir --no-deps -e /opt/budget
WORKDIR /opt/budget
