"""Build: compilers, toolchains, fetchers, debuggers and package managers in the final image.

Each is reported with the layer that added it, so the Dockerfile line that installed it
can be shown.  Package managers are ``info`` (nearly every distribution image has one);
compilers and debuggers are what an attacker with a foothold wants most.
"""

from __future__ import annotations

from collections.abc import Sequence

from hullcheck.analysis import AnalyserOutput
from hullcheck.imagerules.base import ImageRule, ScanSettings
from hullcheck.model import Finding, Practice, Severity
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

BUILD_TOOL = ImageRule(
    id="HC8201",
    name="build-tool-in-final-image",
    title="Build or debugging tool in the final image",
    practice=Practice.BUILD,
    severity=Severity.MEDIUM,
    explanation=(
        "Compilers, toolchains, downloaders and debuggers are not needed to run an application; "
        "in the final image they help an intruder build and fetch tools, and they bring more "
        "packages with vulnerabilities."
    ),
    fix=(
        "Build in a separate stage (FROM ... AS build) and COPY --from=build only the outputs "
        "into a slim or distroless final stage; purge tools installed for the build in the same "
        "RUN."
    ),
)
RULES = (BUILD_TOOL,)

# (category, severity, tool names)
CATEGORIES: tuple[tuple[str, Severity, tuple[str, ...]], ...] = (
    (
        "compiler/toolchain",
        Severity.MEDIUM,
        (
            "gcc",
            "g++",
            "cc",
            "c++",
            "clang",
            "clang++",
            "tcc",
            "gfortran",
            "make",
            "cmake",
            "ninja",
            "go",
            "rustc",
            "cargo",
            "javac",
            "mvn",
            "gradle",
            "ld",
            "as",
        ),
    ),
    (
        "debugging/tracing tool",
        Severity.MEDIUM,
        ("gdb", "strace", "ltrace", "tcpdump", "perf", "valgrind", "nmap"),
    ),
    (
        "network tool",
        Severity.LOW,
        ("curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "ftp"),
    ),
    ("version control", Severity.LOW, ("git", "svn", "hg")),
    ("SSH client", Severity.LOW, ("ssh", "scp", "sftp")),
    (
        "package manager",
        Severity.INFO,
        (
            "apt",
            "apt-get",
            "dpkg",
            "apk",
            "yum",
            "dnf",
            "microdnf",
            "rpm",
            "zypper",
            "pip",
            "pip3",
            "npm",
            "yarn",
            "gem",
        ),
    ),
)
BIN_DIRS = ("/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin", "/bin", "/sbin")
EXTRA_DIRS = ("/usr/local/go/bin",)


class BuildTools:
    def __init__(self, settings: ScanSettings) -> None:
        self.settings = settings

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        return ()  # the merged view is enough

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        view = walk.view
        out = AnalyserOutput()
        seen: dict[str, list[str]] = {}  # resolved binary -> names found
        order: list[tuple[str, str, Severity, str]] = []
        for category, severity, names in CATEGORIES:
            for name in names:
                for folder in BIN_DIRS + EXTRA_DIRS:
                    path = f"{folder}/{name}"
                    resolved = view.resolve(path)
                    if resolved is None:
                        continue
                    info = view.get(resolved)
                    if info is None or info.kind not in ("file", "hardlink") or info.hidden:
                        continue
                    if resolved in seen:
                        if name not in seen[resolved]:
                            seen[resolved].append(name)
                        break
                    seen[resolved] = [name]
                    order.append((resolved, path, severity, category))
                    break
        for resolved, path, severity, category in order:
            info = view.get(resolved)
            assert info is not None
            found = seen[resolved]
            also = f" (also as {', '.join(found[1:])})" if len(found) > 1 else ""
            target = f" -> {resolved}" if resolved != path else ""
            finding: Finding = BUILD_TOOL.finding(
                image,
                f"{category} {found[0]}{also} is installed: {path}{target}, "
                f"added by layer {info.added_by}.",
                layer_index=info.added_by,
                file=path,
                severity=severity,
                extra={"tool": found[0], "category": category},
            )
            out.findings.append(finding)
        return out


def analyser(settings: ScanSettings) -> BuildTools:
    return BuildTools(settings)
