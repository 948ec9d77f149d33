# Timing and podman-store helpers for the bench scripts (sourced after lib/registries.sh, which
# has now, elapsed, median, ratio and mbps). Each needs $work, the script's scratch directory.
# timed NAME COMMAND...      runs COMMAND (output in $work/out; on failure it is shown and the
#                            script exits), appends its seconds to times[NAME]
# timed_rss NAME COMMAND...  the same under GNU time, and its peak RSS in MiB to rss[NAME]
# max                        the largest of the numbers on stdin (space-separated)
# podman_store, reset_podman podman's --root/--runroot in $work/podman, and its removal
declare -gA times rss

timed() {
  local name="$1" t0 t1
  shift
  t0="$(now)"
  "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  t1="$(now)"
  times[$name]+=" $(elapsed "$t0" "$t1")"
}

timed_rss() {
  local name="$1" t0 t1
  shift
  t0="$(now)"
  /usr/bin/time -f "%M" -o "$work/rss" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
  t1="$(now)"
  times[$name]+=" $(elapsed "$t0" "$t1")"
  rss[$name]+=" $(awk '{ printf "%.1f", $1 / 1024 }' "$work/rss")"
}

max() { tr ' ' '\n' | grep -v '^$' | sort -g | tail -1; }

podman_store() { echo --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay; }

reset_podman() {
  # shellcheck disable=SC2046
  [ -d "$work/podman" ] && podman $(podman_store) system reset -f >/dev/null 2>&1 || true
  rm -rf "$work/podman"
}
