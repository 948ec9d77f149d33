# Shell helpers for the registry benchmarks (sourced). Registries run in their own session
# (setsid) on free loopback ports with a fresh storage dir, and are stopped by PID.
# Needs: $repo (the wharf checkout), $work (a scratch dir).

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_registry KIND NAME -> sets REG_URL, REG_HOST, REG_PID; KIND is wharf or distribution.
start_registry() {
  local kind="$1" name="$2" port dir
  dir="$work/$name"
  rm -rf "$dir"
  mkdir -p "$dir/data"
  port="$(free_port)"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YAML
  if [ "$kind" = wharf ]; then
    setsid "$repo/bin/wharf" registry serve --config "$dir/config.yml" >"$dir/log" 2>&1 &
  else
    setsid docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  fi
  REG_PID=$!
  REG_HOST="127.0.0.1:$port"
  REG_URL="http://$REG_HOST"
  all_pids+=("$REG_PID")
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "$REG_URL/v2/" 2>/dev/null && return 0
    kill -0 "$REG_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "$kind registry did not start:" >&2
  tail -20 "$dir/log" >&2
  return 1
}

stop_pid() {
  local pid="$1"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.05; done
  kill -9 "$pid" 2>/dev/null || true
}

stop_all() {
  for p in "${all_pids[@]}"; do stop_pid "$p"; done
}

# Peak resident set size of a process in MiB (VmHWM), and its reset (Linux >= 4.0).
peak_rss_mib() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
reset_peak_rss() { echo 5 >"/proc/$1/clear_refs"; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
mbps() { awk -v bytes="$1" -v s="$2" 'BEGIN { printf "%.1f", bytes / 1048576 / s }'; }
