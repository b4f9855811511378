#!/usr/bin/env bash
# Restore drill: dump a database with pg_dump, restore it into a fresh database with
# pg_restore, and compare every table's row count. Exit 0 only when all counts match.
#   bin/restore_drill.sh postgres://postgres@127.0.0.1:5432/dps
# The scratch database (<name>_restore_drill) is dropped afterwards unless KEEP=1.
set -euo pipefail
source_url="${1:-${DATABASE_URL:?give a database URL or set DATABASE_URL}}"
server="${source_url%/*}"
name="${source_url##*/}"
scratch="${name}_restore_drill"
dump="$(mktemp -t dps-drill-XXXXXX.dump)"
trap 'rm -f "$dump"; [ "${KEEP:-0}" = 1 ] || psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS \"$scratch\"" >/dev/null 2>&1' EXIT

counts() {
  # Exact counts for every table in the public schema, "table count" per line, sorted.
  psql -At "$1" -c "SELECT table_name FROM information_schema.tables
                    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1" |
  while read -r table; do
    printf '%s %s\n' "$table" "$(psql -At "$1" -c "SELECT count(*) FROM \"$table\"")"
  done
}

started=$(date +%s)
pg_dump -Fc --no-owner "$source_url" -f "$dump"
psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS \"$scratch\"" >/dev/null
psql -q "$server/postgres" -c "CREATE DATABASE \"$scratch\"" >/dev/null
pg_restore --no-owner --exit-on-error -d "$server/$scratch" "$dump"
finished=$(date +%s)

if diff <(counts "$source_url") <(counts "$server/$scratch") >/dev/null; then
  tables=$(counts "$server/$scratch" | wc -l)
  rows=$(counts "$server/$scratch" | awk '{s += $2} END {print s}')
  echo "restore drill: OK — $tables tables, $rows rows, identical counts;" \
       "dump $(du -h "$dump" | cut -f1), dump+restore $((finished - started)) s"
  # The files half: with the documents restored beside it (folder or bucket), every row's
  # bytes are checked against the SHA-256 stored with it (docs/operations.md).
  if [ "${CHECK_DOCUMENTS:-0}" = 1 ]; then
    DATABASE_URL="$server/$scratch" "${PYTHON:-.venv/bin/python}" manage.py check_documents
  fi
else
  echo "restore drill: FAILED — row counts differ:"
  diff <(counts "$source_url") <(counts "$server/$scratch") || true
  exit 1
fi
