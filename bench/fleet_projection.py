"""Project a 10,000-image fleet scan from the costs ``bench/fleet.py`` measured.

    python bench/fleet.py --json figures.json
    python bench/fleet_projection.py figures.json [--images 10000] [--seed 1]

Costs, from the measured runs (one Celery worker, layer cache cold and warm):
  a = seconds per image when every layer's results are cached (opening the image,
      replaying its records, the whole-image rules, vulnerability matching, the report);
  b = seconds per uncompressed byte of a layer read for the first time
      ((cold - warm) / unique bytes);
  e = what a second worker on the same 2-core machine adds (1-worker time over twice the
      2-worker time).

The simulated registry: ``--bases`` base images (OS and language runtimes) picked by a
Zipf law (a few bases carry most images), each of 1 to 4 layers; ``--teams`` team
bases (dependencies) over them, each image on one team base picked by Zipf as well;
1 to 5 layers of its own per image.  Layer sizes (uncompressed) are log-normal around
the medians given.  Each machine keeps its own layer cache, so a layer is read once per
machine that gets an image holding it (expected over a random assignment).  Prints
unique layers and bytes, and the expected time per machine count (2 workers each).
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path


def _zipf_pick(rng: random.Random, n: int, s: float) -> int:
    weights = [1 / (k + 1) ** s for k in range(n)]
    return rng.choices(range(n), weights=weights)[0]


def _size(rng: random.Random, median_mb: float) -> float:
    return median_mb * 1e6 * math.exp(rng.gauss(0, 0.8))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("figures", type=Path, help="the JSON bench/fleet.py --json wrote")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--bases", type=int, default=40)
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--base-layer-mb", type=float, default=60.0)
    parser.add_argument("--team-layer-mb", type=float, default=40.0)
    parser.add_argument("--own-layer-mb", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    fig = json.loads(args.figures.read_text())
    secs = fig["seconds"]
    n = fig["images"]
    cold = secs["celery, 1 worker(s), layer cache cold"]
    warm = secs["celery, 1 worker(s), layer cache warm"]
    two = secs["celery, 2 worker(s), layer cache cold"]
    a = warm / n
    b = max(cold - warm, 0.0) / fig["unique_base_bytes"]
    e = cold / (2 * two)
    print(
        f"measured on {n} images: a = {a:.3f} s per image (warm), "
        f"b = {b * 1e9:.2f} s per GB read (cold - warm), 2-worker efficiency e = {e:.2f}"
    )

    rng = random.Random(args.seed)
    bases = [
        [_size(rng, args.base_layer_mb) for _ in range(rng.randint(1, 4))]
        for _ in range(args.bases)
    ]
    teams = []
    for _ in range(args.teams):
        base = _zipf_pick(rng, args.bases, 1.1)
        own = [_size(rng, args.team_layer_mb) for _ in range(rng.randint(1, 3))]
        teams.append((base, own))
    uses: dict[tuple[str, int, int], int] = {}
    sizes: dict[tuple[str, int, int], float] = {}
    total_bytes = 0.0
    for image in range(args.images):
        team = _zipf_pick(rng, args.teams, 0.9)
        base, team_layers = teams[team]
        layers = [(("b", base, i), s) for i, s in enumerate(bases[base])]
        layers += [(("t", team, i), s) for i, s in enumerate(team_layers)]
        layers += [
            (("i", image, i), _size(rng, args.own_layer_mb)) for i in range(rng.randint(1, 5))
        ]
        for key, size in layers:
            uses[key] = uses.get(key, 0) + 1
            sizes[key] = size
            total_bytes += size
    unique_bytes = sum(sizes.values())
    print(
        f"simulated {args.images} images: {len(sizes)} unique layers, "
        f"{unique_bytes / 1e9:.0f} GB unique of {total_bytes / 1e9:.0f} GB referenced "
        f"({total_bytes / unique_bytes:.1f}x sharing)"
    )
    print(f"{'machines':>8} {'workers':>8} {'layer reads':>12} {'GB read':>8} {'hours':>7}")
    for machines in (1, 2, 4, 8, 16, 32):
        reads = 0.0
        read_bytes = 0.0
        for key, n_uses in uses.items():
            expected = machines * (1 - (1 - 1 / machines) ** n_uses)
            reads += expected
            read_bytes += expected * sizes[key]
        work = args.images * a + read_bytes * b  # one-worker seconds
        hours = work / (machines * 2 * e) / 3600
        print(f"{machines:8} {machines * 2:8} {reads:12.0f} {read_bytes / 1e9:8.0f} {hours:7.2f}")
    no_cache = (args.images * a + total_bytes * b) / (2 * e) / 3600
    print(f"without the layer cache, 1 machine: {no_cache:.2f} hours")


if __name__ == "__main__":
    main()
