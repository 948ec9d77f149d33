#!/usr/bin/env bash
# A single-node Ceph cluster with a RADOS Gateway (S3) on loopback, for the s3 tests and benchmarks.
#   scripts/ceph.sh start   installs the packages (scripts/install-deps.sh) when missing, starts one
#                           monitor on 127.0.0.1, one memstore OSD, one manager and radosgw (beast on
#                           127.0.0.1:PORT), makes an S3 user, waits until S3 answers, prints `env`
#   scripts/ceph.sh env     the variables the tests read (export lines): WHARF_S3_ENDPOINT,
#                           WHARF_S3_ACCESS_KEY, WHARF_S3_SECRET_KEY, WHARF_S3_REGION, and
#                           WHARF_S3_BUCKET (a bucket made at start for the scripts)
#   scripts/ceph.sh stop    stops the daemons this script started (by PID) and removes the state
# State lives in $WHARF_CEPH_DIR (default /tmp/wharf-ceph). No systemd: each daemon runs in its
# foreground form (-f) under setsid. Pools have one replica; data lives in memory (memstore), so the
# cluster is gone when it stops. `memstore device bytes` bounds it ($WHARF_CEPH_MEMSTORE, 16 GiB).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${WHARF_CEPH_DIR:-/tmp/wharf-ceph}"
CONF="$DIR/ceph.conf"

free_port() { node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

print_env() {
  [ -f "$DIR/env" ] || { echo "Error: no Ceph cluster started in $DIR" >&2; echo "Hint: run scripts/ceph.sh start" >&2; exit 1; }
  cat "$DIR/env"
}

# The recorded PIDs that are still this cluster's daemons (a PID left from an earlier boot may
# belong to another process by now: those are never signalled).
ours() {
  [ -f "$DIR/pids" ] || return 0
  while read -r pid; do
    tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q -- "$CONF" && echo "$pid"
  done <"$DIR/pids"
  return 0
}

stop() {
  [ -f "$DIR/pids" ] || { rm -rf "$DIR"; return 0; }
  local pids
  # Gateway first, then manager, OSD, monitor (reverse order of start).
  pids=$(ours | tac)
  for pid in $pids; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    [ -z "$(ours)" ] && break
    sleep 0.1
  done
  for pid in $(ours); do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$DIR"
}

daemon() { # name, command...: starts it in its own session, records its PID
  local name=$1
  shift
  setsid "$@" >"$DIR/log/$name.out" 2>&1 </dev/null &
  echo $! >>"$DIR/pids"
}

wait_for() { # seconds, what, command...
  local t=$1 what=$2
  shift 2
  for _ in $(seq 1 $((t * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Error: Ceph: $what did not come up within ${t}s (logs in $DIR/log)" >&2
  echo "Hint: look at $DIR/log/*.log; scripts/ceph.sh stop cleans up" >&2
  exit 1
}

start() {
  if ! command -v ceph-mon >/dev/null || ! command -v radosgw >/dev/null || ! command -v ceph-osd >/dev/null; then
    ./scripts/install-deps.sh
  fi
  if [ -f "$DIR/env" ] && [ "$(ours | wc -l)" = 4 ]; then
    print_env
    return 0
  fi
  stop
  mkdir -p "$DIR"/{log,run,mon,osd,mgr,rgw}
  local fsid monport rgwport osd_uuid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  monport=$(free_port)
  rgwport=$(free_port)
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$monport
public addr = 127.0.0.1
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
pid file = $DIR/run/\$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.01
mon data = $DIR/mon/\$cluster-\$id
osd data = $DIR/osd/\$cluster-\$id
mgr data = $DIR/mgr/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = ${WHARF_CEPH_MEMSTORE:-17179869184}
[client.rgw.wharf]
rgw data = $DIR/rgw
# tcp_nodelay: without it, each listing waits ~40 ms on delayed ACKs
rgw frontends = beast endpoint=127.0.0.1:$rgwport tcp_nodelay=1
rgw dns name = 127.0.0.1
# Deleted objects' data is reclaimed within seconds, not hours: memstore holds it in memory.
rgw gc obj min wait = 5
rgw gc processor period = 5
# radosgw asks for a secure monitor connection by default, which auth none cannot give
ms mon client mode = crc
EOF
  monmaptool --create --addv a "[v2:127.0.0.1:$monport]" --fsid "$fsid" "$DIR/monmap" >/dev/null
  ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring"
  daemon mon ceph-mon -c "$CONF" -i a -f
  wait_for 30 "the monitor" ceph -c "$CONF" --connect-timeout 2 mon stat
  local id
  id=$(ceph -c "$CONF" osd new "$osd_uuid")
  mkdir -p "$DIR/osd/ceph-$id"
  ceph-osd -c "$CONF" -i "$id" --mkfs --osd-uuid "$osd_uuid" >"$DIR/log/osd-mkfs.out" 2>&1
  daemon osd ceph-osd -c "$CONF" -i "$id" -f
  mkdir -p "$DIR/mgr/ceph-x"
  daemon mgr ceph-mgr -c "$CONF" -i x -f
  wait_for 30 "the OSD" sh -c "ceph -c '$CONF' osd stat | grep -q '1 up'"
  daemon rgw radosgw -c "$CONF" -n client.rgw.wharf -f
  local access secret
  access="WHARF$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)"
  secret="$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"
  wait_for 60 "the RADOS Gateway" curl -sf -o /dev/null "http://127.0.0.1:$rgwport/"
  radosgw-admin -c "$CONF" user create --uid=wharf --display-name=wharf \
    --access-key="$access" --secret-key="$secret" >/dev/null
  # The bucket the scripts (conformance, benchmarks) use; tests make their own.
  WHARF_S3_ENDPOINT=http://127.0.0.1:$rgwport WHARF_S3_ACCESS_KEY=$access WHARF_S3_SECRET_KEY=$secret \
    node --input-type=module -e '
      import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
      const e = process.env;
      const c = new S3Client({ endpoint: e.WHARF_S3_ENDPOINT, region: "us-east-1", forcePathStyle: true,
        credentials: { accessKeyId: e.WHARF_S3_ACCESS_KEY, secretAccessKey: e.WHARF_S3_SECRET_KEY } });
      await c.send(new CreateBucketCommand({ Bucket: "wharf" }));'
  cat >"$DIR/env" <<EOF
export WHARF_S3_BUCKET=wharf
export WHARF_S3_ENDPOINT=http://127.0.0.1:$rgwport
export WHARF_S3_ACCESS_KEY=$access
export WHARF_S3_SECRET_KEY=$secret
export WHARF_S3_REGION=us-east-1
export WHARF_CEPH_CONF=$CONF
EOF
  print_env
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
