"""Project a 10,000-image fleet scan from the costs ``bench/fleet.py`` measured.

    python bench/fleet.py --json figures.json
    python bench/fleet_projection.py figures.json [--images 10000] [--seed 1]

Costs, from the measured runs on one machine (the local pool, 2 jobs):
  b = machine seconds per uncompressed byte of a layer read and analysed:
      (no layer cache - cold) / (bytes the no-cache run read - bytes the cold run read);
  a = machine seconds per image besides its layers (a scan process starting, the
      registry's manifest and config, whole-image rules, vulnerability matching, the
      report): (cold - bytes the cold run read x b) / images.
The warm run (every layer replayed) is printed beside N x a as a check.

The simulated registry: ``--bases`` base images (OS and language runtimes) picked by a
Zipf law (a few bases carry most images), each of 1 to 4 layers; ``--teams`` team
bases (dependencies) over them, each image on one team base picked by Zipf as well;
1 to 5 layers of its own per image.  Layer sizes (uncompressed) are log-normal around
the medians given.  Each machine keeps its own layer cache, so a layer is read once per
machine that gets an image holding it (expected over a random assignment), and machines
add up linearly (they share nothing but the broker).  Prints unique layers and bytes,
and the expected time per machine count (2-core machines like this one, 2 jobs each);
the last column: the machines sharing layer records through Redis (``--layer-cache
redis://``), so each unique layer is read once in the whole fleet.
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
    none = secs["local pool, 2 jobs, no layer cache"]
    cold = secs["local pool, 2 jobs, layer cache cold"]
    warm = secs["local pool, 2 jobs, layer cache warm"]
    unique = fig["unique_base_bytes"]
    per_layer = unique / fig["unique_base_layers"]
    base_slots = fig["layers"] - n  # each image's own small layer is not counted
    reads_cold = base_slots - fig["layers_replayed"]["local pool, 2 jobs, layer cache cold"]
    read_cold = unique + max(reads_cold - fig["unique_base_layers"], 0) * per_layer
    b = (none - cold) / (fig["referenced_base_bytes"] - read_cold)
    a = (cold - read_cold * b) / n
    print(
        f"measured on {n} images: b = {b * 1e9:.1f} s per GB of layers read, "
        f"a = {a:.2f} s per image (one machine, 2 jobs); warm run {warm:.0f} s "
        f"vs N x a = {n * a:.0f} s"
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
    shared_work = args.images * a + unique_bytes * b  # one read per layer in the whole fleet
    print(
        f"{'machines':>8} {'jobs':>8} {'layer reads':>12} {'GB read':>8} {'hours':>7} "
        f"{'hours, records shared':>22}"
    )
    for machines in (1, 2, 4, 8, 16, 32):
        reads = 0.0
        read_bytes = 0.0
        for key, n_uses in uses.items():
            expected = machines * (1 - (1 - 1 / machines) ** n_uses)
            reads += expected
            read_bytes += expected * sizes[key]
        work = args.images * a + read_bytes * b  # machine seconds
        hours = work / machines / 3600
        shared = shared_work / machines / 3600
        print(
            f"{machines:8} {machines * 2:8} {reads:12.0f} {read_bytes / 1e9:8.0f} {hours:7.2f} "
            f"{shared:22.2f}"
        )
    no_cache = (args.images * a + total_bytes * b) / 3600
    print(f"without the layer cache, 1 machine: {no_cache:.2f} hours")


if __name__ == "__main__":
    main()
