#!/usr/bin/env bash
# The GitHub Action's work (action.yml): lint and/or scan once each, writing SARIF (merged
# runs when both ran), the Markdown verdict to $GITHUB_STEP_SUMMARY, and the worst exit
# code to $GITHUB_OUTPUT as exit-code. It never exits non-zero itself, so the SARIF
# upload step still runs; the action's last step exits with that code.
set -uo pipefail
dockerfile="${HULLCHECK_DOCKERFILE:-}"
image="${HULLCHECK_IMAGE:-}"
fail_on="${HULLCHECK_FAIL_ON:-high}"
sarif="${HULLCHECK_SARIF:-hullcheck.sarif}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
output="${GITHUB_OUTPUT:-/dev/null}"
read -r -a extra <<< "${HULLCHECK_ARGS:-}"
if [ -z "$dockerfile" ] && [ -z "$image" ]; then
    echo "hullcheck action: set the 'dockerfile' input, the 'image' input or both" >&2
    echo "exit-code=2" >> "$output"
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
worst=0
run() {  # run KIND ARGS...: one hullcheck run, SARIF and Markdown written in the same pass
    local kind="$1"; shift
    local code=0
    hullcheck "$kind" "$@" --fail-on "$fail_on" "${extra[@]}" -f table \
        --report "sarif=$work/$kind.sarif" --report "markdown=$work/$kind.md" || code=$?
    cat "$work/$kind.md" >> "$summary" 2>/dev/null || true
    # 2 (not checked) outranks 1 (findings): an incomplete run must not read as a finding
    if [ "$code" -eq 2 ] || { [ "$code" -eq 1 ] && [ "$worst" -eq 0 ]; }; then worst=$code; fi
    if [ "$code" -gt 2 ]; then worst=2; fi
}
if [ -n "$dockerfile" ]; then
    read -r -a paths <<< "$dockerfile"
    run lint "${paths[@]}"
fi
if [ -n "$image" ]; then
    run scan "$image"
fi
# one SARIF log with a run per command (code scanning keeps them apart by automationDetails)
python3 - "$sarif" "$work"/*.sarif <<'PY'
import json, sys
out, *parts = sys.argv[1:]
logs = [json.load(open(p, encoding="utf-8")) for p in parts]
if logs:
    merged = logs[0]
    merged["runs"] = [run for log in logs for run in log["runs"]]
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(merged, handle, indent=2)
PY
echo "exit-code=$worst" >> "$output"
exit 0
