#!/usr/bin/env python3
"""Generates a file tree for exact-duplicate finders (see compare-dedup.sh).

    benches/dedup-make-tree.py DIR [FILES] [SCALE]

FILES (default 24000) files in ~600 nested folders, deterministic (seed 42), with a
size mix like a photo/document share: ~75% small files (log-normal, median 3 KB: text,
sidecars, thumbnails), ~25% medium (median 110 KB, up to 8 MB: images, PDFs), a dozen
large (20-60 MB: videos), scaled by SCALE (default 1.0: ~1.4 GB). Duplicates like real
shares hold them:
  - 12% of the files are byte copies of another file (a few copied 2-4 times);
  - 2% share size, first and last 4 KiB with another file but differ in the middle
    (finders must hash them fully to tell them apart);
  - 1% are hard links of another file (not duplicates: one inode);
  - 3% have the size of another file but other bytes (the size filter cannot drop them).
"""
import os
import random
import sys

root = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 24000
scale = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
rng = random.Random(42)

dirs = [root]
for i in range(600):
    parent = rng.choice(dirs)
    dirs.append(os.path.join(parent, f"d{i:03d}"))
for d in dirs:
    os.makedirs(d, exist_ok=True)


def size_of(kind):
    if kind == "small":
        s = rng.lognormvariate(8.0, 1.5)  # median e^8 = 3 KB
        return max(1, min(int(s * scale), 2 << 20))
    if kind == "medium":
        s = rng.lognormvariate(11.6, 1.0)  # median e^11.6 = 110 KB
        return max(1, min(int(s * scale), 8 << 20))
    return int(rng.uniform(20 << 20, 60 << 20) * scale)


n_large = 12
n_copy = int(total * 0.12)
n_middle = int(total * 0.02)
n_link = int(total * 0.01)
n_samesize = int(total * 0.03)
n_unique = total - n_large - n_copy - n_middle - n_link - n_samesize

made = []  # (path, size)
count = 0


def new_path(ext):
    global count
    count += 1
    return os.path.join(rng.choice(dirs), f"f{count:06d}{ext}")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    made.append((path, len(data)))


for i in range(n_unique):
    kind = "small" if rng.random() < 0.75 else "medium"
    write(new_path(".bin" if kind == "small" else ".jpg"), rng.randbytes(size_of(kind)))
for i in range(n_large):
    write(new_path(".mp4"), rng.randbytes(size_of("large")))

originals = list(made)
for i in range(n_copy):
    src, _ = rng.choice(originals)
    with open(src, "rb") as f:
        data = f.read()
    write(new_path(os.path.splitext(src)[1]), data)
for i in range(n_middle):
    src, size = rng.choice([m for m in originals[:2000] if m[1] > 3 * 4096] or originals)
    with open(src, "rb") as f:
        data = bytearray(f.read())
    mid = len(data) // 2
    data[mid] ^= 0xFF
    write(new_path(".edit"), bytes(data))
for i in range(n_samesize):
    _, size = rng.choice(originals[:3000])
    write(new_path(".other"), rng.randbytes(size))
for i in range(n_link):
    src, size = rng.choice(originals)
    dst = new_path(".link")
    os.link(src, dst)
    made.append((dst, size))

print(f"{len(made)} files, {sum(s for _, s in made) / 1e9:.2f} GB (hard links counted once: "
      f"{sum(s for p, s in made if not p.endswith('.link')) / 1e9:.2f} GB) in {len(dirs)} folders under {root}")
