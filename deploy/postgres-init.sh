#!/bin/sh
# The analytics database the nightly serves its marts in (warehouse/analytics.py): owned by its loader `budget`,
# read by the role `analyst` (read-only: it may connect and read what each night grants it, never create).
# Run once by the postgres image at its first start (docker-compose.yml), and by tests/test_production.py.
set -eu
psql -v ON_ERROR_STOP=1 -v loader="$ANALYTICS_LOADER_PASSWORD" -v analyst="$ANALYST_PASSWORD" \
    --username "${POSTGRES_USER:-postgres}" --dbname postgres <<'SQL'
create role budget login password :'loader';
create role analyst login password :'analyst';
create database analytics owner budget;
SQL
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname analytics <<'SQL'
revoke create on schema public from public;
revoke all on database analytics from public;
grant connect on database analytics to analyst;
alter role analyst set default_transaction_read_only = on;
SQL
