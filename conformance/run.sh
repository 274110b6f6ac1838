#!/usr/bin/env bash
# The official MCP conformance suite against `kp-mcp --transport http --sandbox`.
#
#   conformance/run.sh                 # both revisions: 2026-07-28, then 2025-11-25
#   conformance/run.sh 2025-11-25      # one revision
#
# Installs, when missing, Node 22 and @modelcontextprotocol/conformance into .tools/node22
# (project-local, gitignored; the suite needs Node 22 and the system's may be older). For each
# revision it starts a fresh kp-mcp on a free loopback port and runs exactly the scenarios that
# revision requires, with conformance/expected-failures-<revision>.yml as the baseline. It exits
# non-zero when any check outside the baseline fails, or when a baselined check passes (a stale
# baseline entry). Results: .tools/conformance-results/<revision>/.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=22.23.3
SUITE_VERSION=0.2.0-alpha.12
TOOLS=.tools/node22
BIN="$TOOLS/node_modules/.bin"
VENV_BIN="${VENV_BIN:-.venv/bin}"
RESULTS=.tools/conformance-results
REVISIONS=("$@")
[ ${#REVISIONS[@]} -gt 0 ] || REVISIONS=(2026-07-28 2025-11-25)

installed() {
  [ -x "$BIN/node" ] && [ "$("$BIN/node" --version 2>/dev/null)" = "v$NODE_VERSION" ] &&
    [ -f "$TOOLS/node_modules/@modelcontextprotocol/conformance/package.json" ] &&
    grep -q "\"version\": \"$SUITE_VERSION\"" \
      "$TOOLS/node_modules/@modelcontextprotocol/conformance/package.json"
}

if ! installed; then
  command -v npm >/dev/null 2>&1 || { echo "conformance: npm is needed to install Node 22" >&2; exit 1; }
  echo "conformance: installing node@$NODE_VERSION and the suite $SUITE_VERSION into $TOOLS" >&2
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error \
    "node@$NODE_VERSION" "@modelcontextprotocol/conformance@$SUITE_VERSION" >&2
  installed || { echo "conformance: the install did not give a working Node $NODE_VERSION" >&2; exit 1; }
fi
[ -x "$VENV_BIN/kp-mcp" ] || { echo "conformance: $VENV_BIN/kp-mcp is missing (make setup)" >&2; exit 1; }

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop_server EXIT

start_server() { # $1: log file; sets PORT and SERVER_PID
  PORT=$("$VENV_BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # A clean environment for the server: no KPainter settings (keys, budgets, state store,
  # allowed origins, a wait cap) from the caller's shell.
  local unset=()
  for name in $(compgen -e); do
    case "$name" in KGP_* | PARTNER_MCP_* | KP_*) unset+=(-u "$name") ;; esac
  done
  env "${unset[@]}" "$VENV_BIN/kp-mcp" --transport http --sandbox --host 127.0.0.1 \
    --port "$PORT" --job-seconds 0 2>"$1" &
  SERVER_PID=$!
  for _ in $(seq 100); do
    if "$VENV_BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=0.5)' \
      "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "conformance: kp-mcp did not come up; its log:" >&2
  cat "$1" >&2
  exit 1
}

failed=()
started=$SECONDS
for revision in "${REVISIONS[@]}"; do
  baseline="conformance/expected-failures-$revision.yml"
  [ -f "$baseline" ] || { echo "conformance: no baseline $baseline" >&2; exit 1; }
  out="$RESULTS/$revision"
  rm -rf "$out" && mkdir -p "$out"
  start_server "$out/kp-mcp.log"
  echo "== conformance $SUITE_VERSION, requirements $revision, kp-mcp on 127.0.0.1:$PORT" >&2
  status=0
  PATH="$BIN:$PATH" "$BIN/conformance" server --url "http://127.0.0.1:$PORT/mcp" \
    --requirements "$revision" --expected-failures "$baseline" --output-dir "$out" \
    | tee "$out/summary.txt" || status=$?
  stop_server
  if [ "$status" -ne 0 ]; then
    failed+=("$revision")
  fi
done
elapsed=$((SECONDS - started))

if [ ${#failed[@]} -gt 0 ]; then
  cat >&2 <<EOF

!!! CONFORMANCE FAILED for ${failed[*]} (${elapsed}s).
!!! A check outside conformance/expected-failures-<revision>.yml failed, or a baselined check
!!! now passes (remove it from the baseline). Details above and in $RESULTS/<revision>/.
EOF
  exit 1
fi
echo "conformance: ${REVISIONS[*]} passed, only baselined failures (${elapsed}s)" >&2
