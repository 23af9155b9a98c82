#!/usr/bin/env bash
# Start a throwaway redis-server for fault tests: no persistence, on the port given (default 6390).
# Usage: scripts/reliability/redis-server.sh [PORT]   — stop it with: redis-cli -p PORT shutdown nosave
set -euo pipefail
port="${1:-6390}"
dir="$(mktemp -d -t chorus-faults-redis-XXXX)"
exec redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
  --daemonize yes --logfile "$dir/redis.log"
