#!/usr/bin/env bash
# Exact-duplicate finding and full-file hashing, damkit-dedup side by side with fclones,
# czkawka_cli and b3sum, on the same files, in page cache.
#
#   benches/compare-dedup.sh [TREE] [RUNS]
#
# TREE: the folder to scan (default /tmp/dedup-tree, generated with
# benches/dedup-make-tree.py when missing: 24,000 files, ~1.8 GB, 12% copies, 2% same size
# and ends but other middles, 1% hard links). RUNS: hyperfine runs per tool (default 5).
# Needs: hyperfine, b3sum, python3; fclones and czkawka_cli are run when on PATH or in
# ~/.cargo/bin (cargo install fclones --locked; cargo install czkawka_cli --locked).
# Every tool uses all cores for the tree (their defaults); b3sum and damkit one thread for
# the single-file hash. Prints wall time and CPU time (user + system; steadier than wall
# clock on a shared machine) and the ratios to damkit.
set -euo pipefail
tree=${1:-/tmp/dedup-tree}
runs=${2:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$PATH:$HOME/.cargo/bin"
command -v hyperfine >/dev/null || { echo "hyperfine not found" >&2; exit 2; }
(cd "$root" && cargo build --release -q -p damkit-dedup --example hash_files)
hf=$root/target/release/examples/hash_files
[ -d "$tree" ] || python3 "$root/benches/dedup-make-tree.py" "$tree"
work=$(mktemp -d /tmp/dedup-cmp.XXXXXX); trap 'rm -rf "$work"' EXIT
echo "tree: $tree ($(find "$tree" -type f | wc -l) files, $(du -sh "$tree" | cut -f1)); $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
find "$tree" -type f -print0 | xargs -0 cat >/dev/null   # into page cache

cmds=("$hf tree $tree")
names=(damkit)
if command -v fclones >/dev/null; then
  cmds+=("fclones group $tree"); names+=(fclones)
fi
if command -v czkawka_cli >/dev/null; then
  # czkawka's own cache is switched off so that every run hashes (as the others do), and its
  # default 8 KiB minimum file size is lowered to 1 byte so that it looks at the same files
  # (then it finds the same 2,774 groups). czkawka_cli exits with 11 when it finds
  # duplicates, hence hyperfine's -i.
  cmds+=("czkawka_cli dup --directories $tree --search-method hash --hash-type blake3 --disable-cache --minimal-file-size 1"); names+=(czkawka)
fi
hyperfine -N -i -w 1 -r "$runs" --export-json "$work/tree.json" "${cmds[@]}" >/dev/null 2>&1 || \
  hyperfine -i -w 1 -r "$runs" --export-json "$work/tree.json" "${cmds[@]}" >/dev/null

head -c 268435456 /dev/urandom > "$work/b3.bin"
hyperfine -N -w 2 -r $((runs * 2)) --export-json "$work/b3.json" \
  "$hf blake3 $work/b3.bin" "b3sum --num-threads 1 $work/b3.bin" >/dev/null

python3 - "$work/tree.json" "$work/b3.json" "${names[*]}" <<'PY'
import json, sys
tree = json.load(open(sys.argv[1]))["results"]
names = sys.argv[3].split()
print("\nexact duplicates over the tree (all cores)")
print(f"{'tool':10} {'wall s (median)':>16} {'CPU s (mean)':>13} {'wall vs damkit':>15} {'CPU vs damkit':>14}")
base_w, base_c = tree[0]["median"], tree[0]["user"] + tree[0]["system"]
for n, r in zip(names, tree):
    c = r["user"] + r["system"]
    print(f"{n:10} {r['median']:16.3f} {c:13.3f} {r['median'] / base_w:14.2f}x {c / base_c:13.2f}x")
b3 = json.load(open(sys.argv[2]))["results"]
mib = 256
print("\nblake3 of a 256 MiB file, one thread")
for n, r in zip(["damkit", "b3sum"], b3):
    c = r["user"] + r["system"]
    print(f"{n:10} wall {r['median']:.3f} s ({mib / r['median']:.0f} MiB/s)  CPU {c:.3f} s ({mib / c:.0f} MiB/CPU-s)")
d, b = b3[0], b3[1]
print(f"damkit throughput = {b['median'] / d['median']:.0%} of b3sum (wall), "
      f"{(b['user'] + b['system']) / (d['user'] + d['system']):.0%} (CPU)")
PY
