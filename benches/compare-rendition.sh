#!/usr/bin/env bash
# Side-by-side throughput and peak memory: damkit render vs vipsthumbnail, same files, same run.
#
#   benches/compare-rendition.sh DIR [SIZE] [REPEAT]
#
# DIR: a folder of images (e.g. 12-24 MP camera photos): JPEG (baseline or progressive),
# PNG or TIFF (8 or 16 bits); SIZE: long edge (default 256);
# REPEAT: how many times each file is processed per run (default 3; raise for steadier numbers).
# Runs each tool with one worker (per-core throughput) and with one worker per core, and
# prints wall-clock throughput and CPU-time throughput (images per CPU second: steadier than
# wall clock on a shared machine).
# Both write baseline 4:2:0 JPEG, quality 80 (256) or 85 (larger), metadata stripped, Lanczos3.
# Needs: a release build of damkit (cargo build --release -p damkit-cli), vipsthumbnail,
# GNU time at /usr/bin/time.
set -euo pipefail
dir=${1:?usage: compare-rendition.sh DIR [SIZE] [REPEAT]}
size=${2:-256}
repeat=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
damkit=${DAMKIT:-$root/target/release/damkit}
[ -x "$damkit" ] || { echo "build first: cargo build --release -p damkit-cli" >&2; exit 2; }
command -v vipsthumbnail >/dev/null || { echo "vipsthumbnail not found (Debian: libvips-tools)" >&2; exit 2; }
q=80; [ "$size" -gt 256 ] && q=85
# vipsthumbnail does not fsync its outputs; damkit does unless told not to. Set
# DAMKIT_FLAGS="" to measure damkit with its durable default.
DAMKIT_FLAGS=${DAMKIT_FLAGS---no-fsync}
cores=$(nproc)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in" "$work/out-vips" "$work/out-damkit"
n=0
for r in $(seq 1 "$repeat"); do
  for f in "$dir"/*.jpg "$dir"/*.jpeg "$dir"/*.JPG "$dir"/*.png "$dir"/*.tif "$dir"/*.tiff; do
    [ -f "$f" ] || continue
    n=$((n + 1)); ln -s "$(realpath "$f")" "$work/in/img$n.${f##*.}"
  done
done
[ "$n" -gt 0 ] || { echo "no JPEG, PNG or TIFF files in $dir" >&2; exit 2; }
cat > "$work/presets.toml" <<TOML
[presets.cmp]
fit = "long-edge"
size = $size
quality = $q
metadata = "strip"
TOML

# run LABEL JOBS COMMAND...: prints images/s and peak RSS (MB) of the largest process.
run() {
  local label=$1 jobs=$2; shift 2
  /usr/bin/time -v -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {split($2,a,":"); s=0; for(i=1;i<=length(a);i++) s=s*60+a[i]; print s}' "$work/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2/1024}' "$work/time")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {print s}' "$work/time")
  awk -v l="$label" -v j="$jobs" -v n="$n" -v w="$wall" -v r="$rss" -v c="$cpu" \
    'BEGIN { printf "%-13s jobs=%-2d %3d images %6.2f s wall %7.2f img/s | %6.2f s CPU %6.2f img/CPU-s | %6.1f MB peak\n", l, j, n, w, n/w, c, n/c, r }'
  echo "$n $wall $rss $cpu" > "$work/last"
}

echo "long edge $size px, quality $q, $n images ($repeat x the images of $dir), $cores cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for jobs in 1 "$cores"; do
  run vipsthumbnail "$jobs" bash -c "ls '$work'/in/* | VIPS_CONCURRENCY=1 xargs -P $jobs -n 4 vipsthumbnail -s $size -o '$work/out-vips/%s.jpg[Q=$q,strip]'"
  read -r _ vw vr vc < "$work/last"
  run damkit "$jobs" "$damkit" render "$work"/in/* --presets "$work/presets.toml" --preset cmp --out "$work/out-damkit" --jobs "$jobs" $DAMKIT_FLAGS
  read -r _ dw dr dc < "$work/last"
  awk -v vw="$vw" -v dw="$dw" -v vr="$vr" -v dr="$dr" -v vc="$vc" -v dc="$dc" -v j="$jobs" \
    'BEGIN { printf "ratio         jobs=%-2d damkit/vips: wall throughput %.2fx, CPU throughput %.2fx, peak memory %.2f\n", j, vw/dw, vc/dc, dr/vr }'
done
