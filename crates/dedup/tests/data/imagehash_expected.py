#!/usr/bin/env python3
"""Writes imagehash's phash and dhash of every image in this folder to imagehash.csv.

pip install imagehash  (these values: imagehash 4.3.2, Pillow 13.0.0)
"""
import csv, glob, os, sys
import imagehash
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
rows = []
for path in sorted(glob.glob(os.path.join(here, "*"))):
    name = os.path.basename(path)
    if name.split(".")[-1].lower() not in ("jpg", "png", "webp"):
        continue
    im = Image.open(path)
    rows.append((name, str(imagehash.phash(im)), str(imagehash.dhash(im))))
with open(os.path.join(here, "imagehash.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["file", "phash", "dhash"])
    w.writerows(rows)
