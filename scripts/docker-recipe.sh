#!/usr/bin/env bash
# Replays the Dockerfile's build and start steps in a clean temporary directory, because CI cannot run
# containers: install from the lock, build, prune to production, lay out the runtime stage (package.json,
# node_modules, dist only), start it like the image's CMD, probe /healthz, SIGTERM, expect exit 0.
# Also checks the Dockerfile still says what this script replays, and that production refuses to start
# without credentials. Usage: scripts/docker-recipe.sh   (exit 0 = PASS)
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/docker-recipe.XXXXXX")"
BUILD="$WORK/build"      # the image's build stage (WORKDIR /app)
RUNTIME="$WORK/runtime"  # the image's runtime stage (WORKDIR /app)
DATA="$WORK/data"        # the image's /data volume
CHILD_PID=""
FAILED=0
STARTUP_TRIES=${RECIPE_STARTUP_TRIES:-60}     # x 0.5 s
STOP_TIMEOUT_S=${RECIPE_STOP_TIMEOUT_S:-30}

pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; FAILED=1; }
die() { fail "$*"; exit 1; }

cleanup() {
  if [[ -n "$CHILD_PID" ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
    kill -KILL "$CHILD_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'die "interrupted"' INT TERM

# Run a command quietly; on failure show its output tail and stop.
step() {
  local name="$1"; shift
  local log="$WORK/step.log"
  local rc=0
  "$@" >"$log" 2>&1 || rc=$?
  if (( rc == 0 )); then
    pass "$name"
  else
    tail -n 40 "$log" || true
    die "$name (exit $rc)"
  fi
}

# ---- 1. the Dockerfile still describes what this script replays ----
DOCKERFILE="$ROOT/Dockerfile"
[[ -f "$DOCKERFILE" ]] || die "Dockerfile exists"
check_line() {
  local what="$1" pattern="$2"
  if grep -Eq "$pattern" "$DOCKERFILE"; then pass "Dockerfile: $what"; else fail "Dockerfile: $what (no line matching /$pattern/)"; fi
}
check_line 'FROM node:20-slim (build and runtime)' '^FROM node:20-slim AS runtime'
check_line 'build stage from node:20-slim' '^FROM node:20-slim AS build'
check_line 'npm ci with the lock' 'RUN npm ci'
check_line 'npm run build' 'npm run build'
check_line 'npm prune --omit=dev' 'npm prune --omit=dev'
check_line 'NODE_ENV=production' 'ENV NODE_ENV=production'
check_line 'HANDLERS_DIR=dist/handlers (the compiled handlers)' '^ +HANDLERS_DIR=dist/handlers$'
check_line 'non-root USER node' '^USER node'
check_line 'VOLUME for DATA_DIR' '^VOLUME \["/data"\]'
check_line 'EXPOSE 3000' '^EXPOSE 3000'
check_line 'HEALTHCHECK' '^HEALTHCHECK '
check_line 'the health check probes /healthz' "fetch\\('http://127\\.0\\.0\\.1:'.*/healthz'"
check_line 'CMD runs node directly' '^CMD \["node", "--max-semi-space-size=32", "dist/src/main.js"\]'
(( FAILED == 0 )) || die "Dockerfile no longer matches the recipe"

# ---- 2. the build context: the working tree's files (tracked and new, not ignored) ----
mkdir -p "$BUILD" "$RUNTIME" "$DATA"
(
  cd "$ROOT"
  # Uncommitted work counts (git archive HEAD would miss it); files deleted but still tracked are skipped.
  git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
    [[ -f "$f" ]] && printf '%s\0' "$f"
  done | tar --null -T - -cf - | tar -xf - -C "$BUILD"
)
[[ -f "$BUILD/package-lock.json" ]] || die "copy the build context (package-lock.json missing)"
pass "copy the build context ($(find "$BUILD" -type f | wc -l) files)"

# ---- 3. the build stage ----
cd "$BUILD"
# NODE_ENV=production would make npm ci skip the dev dependencies the build needs (the Dockerfile sets it
# only in the runtime stage).
step "npm ci" env -u NODE_ENV npm ci --no-audit --no-fund
step "npm run build" env -u NODE_ENV npm run build
[[ -f dist/src/main.js ]] || die "build produced dist/src/main.js"
step "npm prune --omit=dev" env -u NODE_ENV npm prune --omit=dev --no-audit --no-fund
for dev in typescript jest @swc/core autocannon supertest; do
  [[ ! -e "node_modules/$dev" ]] || fail "dev dependency $dev pruned"
done
[[ -e node_modules/better-sqlite3 ]] || fail "production dependency better-sqlite3 kept"
if (( FAILED )); then die "prune to production dependencies"; fi
pass "node_modules holds production dependencies only"

# ---- 4. the runtime stage: exactly what the Dockerfile copies ----
cp package.json "$RUNTIME/"
mv node_modules "$RUNTIME/"
cp -R dist "$RUNTIME/"
pass "lay out the runtime stage (package.json, node_modules, dist)"
cd "$RUNTIME"

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
# A clean environment like the container's (the Dockerfile's ENV lines): nothing inherited but PATH and HOME.
RUN_ENV=(env -i PATH="$PATH" HOME="$HOME" NODE_ENV=production DATA_DIR="$DATA" HANDLERS_DIR=dist/handlers)

# ---- 5. production without credentials refuses to start, naming the variable ----
set +e
OUT="$(timeout 20 "${RUN_ENV[@]}" PORT="$(free_port)" node dist/src/main.js 2>&1)"
CODE=$?
set -e
if (( CODE != 0 && CODE != 124 )) && grep -q PORT_CLIENT_ID <<<"$OUT"; then
  pass "NODE_ENV=production without credentials exits $CODE naming PORT_CLIENT_ID"
else
  printf '%s\n' "$OUT" | tail -n 20
  fail "NODE_ENV=production without credentials should exit non-zero naming PORT_CLIENT_ID (exit $CODE)"
fi

# ---- 6. start like CMD ["node", "--max-semi-space-size=32", "dist/src/main.js"], probe /healthz, SIGTERM, exit 0 ----
PORT_NUM="$(free_port)"
LOG="$WORK/service.log"
# Port is unreachable on purpose (discard port): /healthz must not depend on it.
"${RUN_ENV[@]}" PORT="$PORT_NUM" PORT_CLIENT_ID=recipe-client-id PORT_CLIENT_SECRET=recipe-client-secret \
  PORT_API_URL=http://127.0.0.1:9 node --max-semi-space-size=32 dist/src/main.js >"$LOG" 2>&1 &
CHILD_PID=$!

probe() {
  node -e "fetch('http://127.0.0.1:$PORT_NUM/healthz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"
}
healthy=0
for ((i = 0; i < STARTUP_TRIES; i++)); do
  if ! kill -0 "$CHILD_PID" 2>/dev/null; then break; fi
  if probe; then healthy=1; break; fi
  sleep 0.5
done
if (( healthy )); then
  pass "GET /healthz -> 200 on port $PORT_NUM"
else
  tail -n 40 "$LOG" || true
  die "GET /healthz -> 200 within $((STARTUP_TRIES / 2)) s"
fi

# The image must serve the compiled handlers (readiness names each check; Port being unreachable makes the
# whole answer 503, which is expected here).
if node -e "
  fetch('http://127.0.0.1:$PORT_NUM/readyz', { signal: AbortSignal.timeout(15000) })
    .then((r) => r.json())
    .then((b) => process.exit(b && b.checks && b.checks.handlers && b.checks.handlers.ok === true ? 0 : 1), () => process.exit(1))
"; then
  pass "GET /readyz: handlers loaded from dist/handlers"
else
  tail -n 40 "$LOG" || true
  fail "GET /readyz: handlers loaded from dist/handlers"
fi

kill -TERM "$CHILD_PID"
stopped=0
for ((i = 0; i < STOP_TIMEOUT_S * 10; i++)); do
  if ! kill -0 "$CHILD_PID" 2>/dev/null; then stopped=1; break; fi
  sleep 0.1
done
if (( ! stopped )); then
  tail -n 40 "$LOG" || true
  die "SIGTERM: the service did not exit within ${STOP_TIMEOUT_S} s"
fi
set +e
wait "$CHILD_PID"
CODE=$?
set -e
CHILD_PID=""
if (( CODE == 0 )); then
  pass "SIGTERM -> exit 0"
else
  tail -n 40 "$LOG" || true
  fail "SIGTERM -> exit 0 (got $CODE)"
fi

if (( FAILED )); then
  echo "FAIL docker recipe"
  exit 1
fi
echo "PASS docker recipe"
