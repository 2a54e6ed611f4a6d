#!/usr/bin/env python3
"""Builds the near-duplicate accuracy set: real photos, 8 edits of each, a manifest.

    python3 make_set.py OUT_DIR PHOTO...      (PHOTO: files or folders of JPEG/PNG photos)

Each photo (EXIF orientation applied, so every edit is upright) becomes `NNN-orig.jpg`
(the original file, copied as is) and 8 edits: resize50 (half size), jpeg30 (quality 30),
crop5 (5% off the right and bottom: an off-centre crop), bright20 (brightness +20%),
rotate90, mirror, watermark (a text banner), blur (Gaussian, radius 0.3% of the long side).
`manifest.csv` lists file,source,edit. Photos smaller than 256 pixels on a side are
skipped. Needs Pillow.
"""
import csv, glob, os, shutil, sys
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
photos = []
for arg in sys.argv[2:]:
    if os.path.isdir(arg):
        photos += sorted(glob.glob(os.path.join(arg, "**", "*"), recursive=True))
    else:
        photos.append(arg)

rows = []
n = 0
for path in photos:
    if not path.lower().endswith((".jpg", ".jpeg", ".png")):
        continue
    try:
        im = Image.open(path)
        im.load()
        im = ImageOps.exif_transpose(im).convert("RGB")
    except Exception as e:  # broken sample files are not photos
        print("skip", path, e, file=sys.stderr)
        continue
    w, h = im.size
    if min(w, h) < 256:
        continue
    sid = f"{n:03d}"
    n += 1
    ext = os.path.splitext(path)[1].lower()
    orig = f"{sid}-orig{ext}"
    shutil.copy(path, os.path.join(out, orig))
    rows.append((orig, sid, "orig"))

    def save(img, edit, quality=90):
        name = f"{sid}-{edit}.jpg"
        img.save(os.path.join(out, name), quality=quality)
        rows.append((name, sid, edit))

    save(im.resize((w // 2, h // 2), Image.LANCZOS), "resize50")
    save(im, "jpeg30", quality=30)
    save(im.crop((0, 0, int(w * 0.95), int(h * 0.95))), "crop5")
    save(ImageEnhance.Brightness(im).enhance(1.2), "bright20")
    save(im.transpose(Image.Transpose.ROTATE_90), "rotate90")
    save(im.transpose(Image.Transpose.FLIP_LEFT_RIGHT), "mirror")
    wm = im.copy()
    d = ImageDraw.Draw(wm)
    size = max(12, h // 12)
    font = ImageFont.load_default(size=size)
    d.text((w // 20, h - 2 * size), "(c) damkit sample 2026", fill=(255, 255, 255), font=font,
           stroke_width=max(1, size // 15), stroke_fill=(0, 0, 0))
    save(wm, "watermark")
    save(im.filter(ImageFilter.GaussianBlur(radius=max(1.5, max(w, h) * 0.003))), "blur")

# Featureless negatives (black frames, white frames, plain skies): unrelated to each other,
# but their hashes are near-random and match each other unless a quality gate drops them.
import random
random.seed(5)
for k, (a, b) in enumerate([((0, 0, 0), (3, 3, 3)), ((250, 250, 250), (255, 255, 255)),
                             ((90, 140, 220), (160, 200, 250)), ((100, 150, 230), (150, 190, 240)),
                             ((20, 20, 20), (24, 24, 26))]):
    w, h = 800, 600
    img = Image.new("RGB", (w, h))
    px = img.load()
    for y in range(h):
        t = y / h
        c = tuple(int(a[i] + (b[i] - a[i]) * t + random.random() * 2) for i in range(3))
        for x in range(0, w):
            px[x, y] = c
    name = f"flat{k}.jpg"
    img.save(os.path.join(out, name), quality=85)
    rows.append((name, f"flat{k}", "featureless"))

with open(os.path.join(out, "manifest.csv"), "w", newline="") as f:
    wr = csv.writer(f)
    wr.writerow(["file", "source", "edit"])
    wr.writerows(rows)
print(f"{n} photos, {len(rows)} files in {out}")
