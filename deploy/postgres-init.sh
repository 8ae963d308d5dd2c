#!/bin/sh
# Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d):
# creates jiuzhu's two login roles and hands the database to the owner.
#
#   jiuzhu_owner  owns the database and its schema; "jiuzhu migrate" runs as it.
#   jiuzhu_app    the serving role of "jiuzhu serve": it owns nothing and may not create
#                 objects; migrate grants it what serving needs.
#
# Neither is superuser nor BYPASSRLS, so PostgreSQL's row-level security (PG_RLS=on)
# applies to both.
set -eu
: "${JIUZHU_OWNER_PASSWORD:?}" "${JIUZHU_APP_PASSWORD:?}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" -v owner_password="$JIUZHU_OWNER_PASSWORD" -v app_password="$JIUZHU_APP_PASSWORD" <<'SQL'
CREATE ROLE jiuzhu_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE jiuzhu_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO jiuzhu_owner;
ALTER SCHEMA public OWNER TO jiuzhu_owner;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO jiuzhu_app;
SQL
