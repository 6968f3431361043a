"""Layer hygiene: what a build left behind, and bytes later layers made dead weight.

Package-manager caches and indexes, temporary files, version-control directories and
build artefacts in the final filesystem; and *wasted bytes*: file versions a later
layer overwrote or deleted, which every pull still downloads.  The per-layer table and
the efficiency score (share of added bytes that survive in the final filesystem, as
dive computes it) go into the report's ``summary``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from hullcheck.analysis import AnalyserOutput
from hullcheck.imagerules.base import ImageRule, ScanSettings, human_bytes
from hullcheck.model import Finding, JSONValue, Practice, Severity
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

CACHES = ImageRule(
    id="HC8101",
    name="package-cache-left",
    title="Package-manager cache or index left in the image",
    practice=Practice.LAYER_HYGIENE,
    severity=Severity.LOW,
    explanation=(
        "Package indexes and downloaded packages are only needed while installing; left in a "
        "layer they cost every pull and keep stale metadata that scanners may misread."
    ),
    fix=(
        "Clean up in the same RUN that installs: apt-get install ... && rm -rf "
        "/var/lib/apt/lists/*; apk add --no-cache; pip install --no-cache-dir; npm ci && npm "
        "cache clean --force; or use RUN --mount=type=cache."
    ),
    aliases=("DS027",),
)
TEMP_FILES = ImageRule(
    id="HC8102",
    name="temp-files-left",
    title="Temporary files left in the image",
    practice=Practice.LAYER_HYGIENE,
    severity=Severity.LOW,
    explanation=(
        "Files in /tmp and /var/tmp are build leftovers: dead weight, sometimes with downloaded "
        "archives or credentials."
    ),
    fix="Remove them in the RUN that created them, or build in a separate stage.",
)
VCS_DIR = ImageRule(
    id="HC8103",
    name="vcs-directory-in-image",
    title="Version-control directory in the image",
    practice=Practice.LAYER_HYGIENE,
    severity=Severity.MEDIUM,
    explanation=(
        "A .git (or .svn, .hg) directory ships the whole source history, including anything "
        "ever committed and removed (credentials, internal URLs)."
    ),
    fix="Add .git to .dockerignore, or COPY only what the image needs.",
)
BUILD_ARTEFACTS = ImageRule(
    id="HC8104",
    name="build-artefacts-left",
    title="Build artefacts left in the image",
    practice=Practice.LAYER_HYGIENE,
    severity=Severity.LOW,
    explanation="Object files, build directories and tool caches are not needed at run time.",
    fix="Build in a separate stage and COPY --from it only the outputs.",
)
WASTED = ImageRule(
    id="HC8105",
    name="wasted-layer-bytes",
    title="Bytes wasted on files a later layer overwrote or deleted",
    practice=Practice.LAYER_HYGIENE,
    severity=Severity.LOW,
    explanation=(
        "Deleting or overwriting a file in a later layer does not shrink the image: the old "
        "version is still in its layer, pulled and stored everywhere (and still extractable)."
    ),
    fix=(
        "Create, use and delete temporary files in the same RUN; squash with a multi-stage "
        "build (COPY --from) when earlier layers must change."
    ),
)
DEV_FILES = ImageRule(
    id="HC8106",
    name="developer-files-left",
    title="Developer files left in the image",
    practice=Practice.LAYER_HYGIENE,
    severity=Severity.LOW,
    explanation=(
        "Editor settings (.vscode, .idea), the Dockerfile and compose files, .env files and"
        " stray npm or tool caches in a home directory come from copying a whole working"
        " tree: they are not needed at run time and tell an attacker how the image was built"
        " and deployed (a .env often holds the developer's credentials too)."
    ),
    fix="List them in .dockerignore, or COPY only the paths the image needs.",
)
RULES = (CACHES, TEMP_FILES, VCS_DIR, BUILD_ARTEFACTS, WASTED, DEV_FILES)

_HOME = r"(?:/root|/home/[^/]+)"
CACHE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("apt package lists", re.compile(r"^/var/lib/apt/lists/(?!lock$|partial$|auxfiles$)[^/]+")),
    ("apt cache", re.compile(r"^/var/cache/apt/(?:[^/]+\.bin$|archives/[^/]+\.deb$)")),
    ("apk cache", re.compile(r"^/var/cache/apk/[^/]+$")),
    ("yum/dnf cache", re.compile(r"^/var/cache/(?:yum|dnf)/.+")),
    ("zypper cache", re.compile(r"^/var/cache/zypp/.+")),
    ("pip cache", re.compile(rf"^{_HOME}/\.cache/pip/.+")),
    ("npm cache", re.compile(rf"^{_HOME}/\.npm/_cacache/.+")),
    ("yarn cache", re.compile(rf"^(?:{_HOME}/\.cache/yarn|/usr/local/share/\.cache/yarn)/.+")),
    ("go build cache", re.compile(rf"^{_HOME}/\.cache/go-build/.+")),
    ("gem cache", re.compile(r"^/usr/(?:local/)?lib/ruby/gems/[^/]+/cache/.+\.gem$")),
)
CACHE_KIND = re.compile(
    "|".join(f"(?P<k{i}>{rx.pattern})" for i, (_, rx) in enumerate(CACHE_KINDS))
)
"""All of ``CACHE_KINDS`` in one search (each file of the image is tried): the first
alternative that matches is the first kind that does, as every one is anchored at the
start."""
PYCACHE = re.compile(r"/__pycache__/[^/]+\.pyc$")
PYCACHE_LARGE = 50 * 1000 * 1000
"""Compiled Python is normal; only call it a leftover past this size."""
VCS = re.compile(r"/(\.git|\.svn|\.hg)$")
ARTEFACTS = re.compile(
    r"/(?:CMakeFiles|\.pytest_cache|\.mypy_cache|\.tox|\.gradle|\.cache/bazel)$"
    r"|^(?!/usr/lib/)(?!/usr/lib64/).+\.o$"
)
TEMP = re.compile(r"^/(?:tmp|var/tmp)/.+")
DEV_DIRS = re.compile(rf"/(?:\.vscode|\.idea)$|^{_HOME}/(?:\.npm|\.cache)$")
DEV_FILE_NAMES = re.compile(
    r"/(?:Dockerfile|Containerfile|[^/]+\.Dockerfile|docker-compose(?:\.[\w-]+)?\.ya?ml"
    r"|compose\.ya?ml"
    # a developer's environment file (not the committed .env.example/.sample/.template)
    r"|\.env(?:\.(?:local|dev|development|prod|production|staging|test)(?:\.local)?)?)$"
)
PACKAGED = re.compile(
    r"/(?:node_modules|site-packages|dist-packages|vendor|gems)/|^/usr/(?:share|lib|lib64|src)/"
    r"|^/usr/local/lib/|^/go/pkg/mod/|^/opt/[^/]+/lib/"
)
"""Files a package brought: a Dockerfile inside node_modules is the package's, not yours."""
TOP_PATHS = 5
WASTE_BYTES = 20 * 1000 * 1000
WASTE_EFFICIENCY = 0.9
"""dive's defaults: fail past 20 MB wasted or below 90 % efficiency."""
TOP_WASTE = 10


@dataclass
class _Tally:
    files: int = 0
    size: int = 0
    dirs: dict[str, int] = field(default_factory=dict)
    """Files per directory they sit in, to name the places in the finding."""

    def add(self, size: int, path: str = "", place: str | None = None) -> None:
        """Count one file; ``place`` (default: the file's directory) is where it is."""
        self.files += 1
        self.size += size
        if path:
            where = place or path.rsplit("/", 1)[0] or "/"
            self.dirs[where] = self.dirs.get(where, 0) + 1


class Hygiene:
    def __init__(self, settings: ScanSettings) -> None:
        self.settings = settings

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        # everything it needs is in the merged view, which also keeps the wasted bytes
        return ()

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        out = AnalyserOutput()
        caches: dict[str, dict[int, _Tally]] = defaultdict(lambda: defaultdict(_Tally))
        temp: dict[int, _Tally] = defaultdict(_Tally)
        pycache: dict[int, _Tally] = defaultdict(_Tally)
        dev_items: list[tuple[int, int, str]] = []
        findings: list[Finding] = []
        for info in walk.view.walk():
            path = info.path
            if PACKAGED.search(path) is None and (
                (info.kind == "dir" and DEV_DIRS.search(path))
                or (info.kind == "file" and DEV_FILE_NAMES.search(path))
            ):
                dev_items.append((info.layer_index, info.size, path))
            if info.kind == "dir":
                if VCS.search(path):
                    findings.append(
                        VCS_DIR.finding(
                            image,
                            f"{path} is in the image.",
                            layer_index=info.layer_index,
                            file=path,
                        )
                    )
                elif ARTEFACTS.search(path):
                    findings.append(
                        BUILD_ARTEFACTS.finding(
                            image,
                            f"Build directory {path} is in the image.",
                            layer_index=info.layer_index,
                            file=path,
                        )
                    )
                continue
            if info.kind != "file":
                continue
            cache = CACHE_KIND.match(path)
            if cache is not None:
                name = CACHE_KINDS[int(str(cache.lastgroup)[1:])][0]
                caches[name][info.layer_index].add(info.size, path)
            elif TEMP.search(path):
                temp[info.layer_index].add(info.size, path)
            elif PYCACHE.search(path):
                pycache[info.layer_index].add(info.size, path)
            elif path.endswith(".o") and ARTEFACTS.search(path):
                findings.append(
                    BUILD_ARTEFACTS.finding(
                        image,
                        f"Object file {path} ({human_bytes(info.size)}) is in the image.",
                        layer_index=info.layer_index,
                        file=path,
                    )
                )
        for name, by_layer in sorted(caches.items()):
            findings.append(self._grouped(image, CACHES, name, by_layer))
        if temp:
            findings.append(self._grouped(image, TEMP_FILES, "files in /tmp or /var/tmp", temp))
        if sum(t.size for t in pycache.values()) > PYCACHE_LARGE:
            findings.append(self._grouped(image, CACHES, "compiled Python (__pycache__)", pycache))
        dev = _dev_leftovers(dev_items, caches)
        if dev:
            findings.append(self._grouped(image, DEV_FILES, "developer files", dev))
        waste, summary = self._waste(image, walk)
        if waste is not None:
            findings.append(waste)
        out.findings = findings
        out.summary.update(summary)
        return out

    def _grouped(
        self, image: Image, rule: ImageRule, what: str, by_layer: dict[int, _Tally]
    ) -> Finding:
        """One finding for many files: how many, how big, in which layers and where (the
        directories holding most of them, with counts); located on the heaviest layer and
        its first directory, so tracing can name the instruction."""
        files = sum(t.files for t in by_layer.values())
        size = sum(t.size for t in by_layer.values())
        top = max(by_layer, key=lambda i: (by_layer[i].size, by_layer[i].files))
        layers = ", ".join(
            f"layer {i}: {by_layer[i].files} files, {human_bytes(by_layer[i].size)}"
            for i in sorted(by_layer)
        )
        places = _top_dirs(by_layer)
        where = ", ".join(f"{d} ({n})" for d, n in places)
        more = len({d for t in by_layer.values() for d in t.dirs}) - len(places)
        if more > 0:
            where += f" and {more} more"
        severity = Severity.MEDIUM if size > 50 * 1000 * 1000 else None
        return rule.finding(
            image,
            f"{what}: {files} files, {human_bytes(size)} ({layers}), in {where}.",
            layer_index=top,
            file=_top_dirs({top: by_layer[top]})[0][0] if by_layer[top].dirs else None,
            severity=severity,
            extra={
                "kind": what,
                "files": files,
                "bytes": size,
                "layers": {str(i): by_layer[i].size for i in sorted(by_layer)},
                "paths": {d: n for d, n in places},
            },
        )

    def _waste(self, image: Image, walk: WalkResult) -> tuple[Finding | None, dict[str, JSONValue]]:
        stats = walk.view.stats
        added = sum(s.bytes_added for s in stats)
        wasted = sum(s.bytes_wasted for s in stats)
        efficiency = 1.0 if added == 0 else max(0.0, 1 - wasted / added)
        table: list[JSONValue] = []
        for s in stats:
            table.append(
                {
                    "index": s.index,
                    "digest": s.digest,
                    "bytes_added": s.bytes_added,
                    "bytes_wasted": s.bytes_wasted,
                    "efficiency": 1.0
                    if s.bytes_added == 0
                    else round(1 - s.bytes_wasted / s.bytes_added, 4),
                }
            )
        top: list[tuple[int, str, int]] = []
        for path, (hidden_bytes, hidden_versions) in walk.view.waste.items():
            info = walk.view.get(path)
            alive = info is not None and not info.hidden
            top.append((hidden_bytes, path, hidden_versions + alive))
        top.sort(reverse=True)
        summary: dict[str, JSONValue] = {
            "efficiency": round(efficiency, 4),
            "wasted_bytes": wasted,
            "bytes_added": added,
            "layer_table": table,
            "top_wasted": [{"path": p, "bytes": b, "versions": n} for b, p, n in top[:TOP_WASTE]],
        }
        if wasted <= WASTE_BYTES and not (efficiency < WASTE_EFFICIENCY and wasted > 1_000_000):
            return None, summary
        worst = max(stats, key=lambda s: s.bytes_wasted)
        shown = ", ".join(f"{p} ({human_bytes(b)})" for b, p, _ in top[:5])
        finding = WASTED.finding(
            image,
            f"{human_bytes(wasted)} of {human_bytes(added)} added are overwritten or deleted "
            f"by later layers (efficiency {efficiency * 100:.1f} %); most from layer "
            f"{worst.index}" + (f": {shown}" if shown else "") + ".",
            layer_index=worst.index,
            severity=Severity.MEDIUM if wasted > 100 * WASTE_BYTES else None,
            extra={"wasted_bytes": wasted, "efficiency": round(efficiency, 4)},
        )
        return finding, summary


def _dev_leftovers(
    items: list[tuple[int, int, str]], caches: dict[str, dict[int, _Tally]]
) -> dict[int, _Tally]:
    """Developer files by layer, each named by its own path; a home ``.npm``/``.cache``
    whose content is already reported as a package cache is not counted twice."""
    cached = {d for by_layer in caches.values() for t in by_layer.values() for d in t.dirs}
    out: dict[int, _Tally] = defaultdict(_Tally)
    for layer, size, path in items:
        if any(d == path or d.startswith(path + "/") for d in cached):
            continue
        out[layer].add(size, path, place=path)
    return out


def _top_dirs(by_layer: dict[int, _Tally]) -> list[tuple[str, int]]:
    """The directories holding the most files, merged across layers, collapsed to a common
    parent when one directory's files spread over many subdirectories
    (``/var/lib/apt/lists`` rather than each list file's folder)."""
    counts: dict[str, int] = {}
    for tally in by_layer.values():
        for d, n in tally.dirs.items():
            counts[d] = counts.get(d, 0) + n
    if len(counts) > TOP_PATHS:
        merged: dict[str, int] = {}
        for d, n in counts.items():
            parts = d.split("/")
            key = "/".join(parts[:4]) if len(parts) > 4 else d
            merged[key] = merged.get(key, 0) + n
        counts = merged
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_PATHS]


def analyser(settings: ScanSettings) -> Hygiene:
    return Hygiene(settings)
