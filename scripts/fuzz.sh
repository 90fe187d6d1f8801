#!/usr/bin/env bash
# Fuzz every fuzz target in the repository for a while each.
#
#   scripts/fuzz.sh [FUZZTIME]     # default $FUZZTIME, else 3s (CI's budget)
#
# The targets are found by `go test -list` in every package with a
# `func Fuzz` in its tests, so a new target is fuzzed without editing this
# file. A crasher fails the run; Go saves the failing input under the
# package's testdata/fuzz/FuzzName/, where plain `go test` then replays it
# as a regression case: fix the bug and commit that file.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-${FUZZTIME:-3s}}"
go="${GO:-go}"

mapfile -t pkgs < <(grep -rl --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.git '^func Fuzz' . |
	xargs -n1 dirname | sort -u)
if [ "${#pkgs[@]}" -eq 0 ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

# One -list over all those packages (built in parallel): each prints its
# matching names, then "ok <import path> <time>".
list=$("$go" test -list '^Fuzz' "${pkgs[@]}") # set -e: a package that does not build fails here
targets=()
names=()
while read -r first second _; do
	case "$first" in
	Fuzz*) names+=("$first") ;;
	ok)
		for n in "${names[@]}"; do targets+=("$second $n"); done
		names=()
		;;
	esac
done <<<"$list"

echo "fuzz: ${#targets[@]} targets, $fuzztime each"
failed=()
flaked=0
start=$SECONDS
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	t0=$SECONDS
	if out=$("$go" test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" 2>&1); then
		echo "fuzz: ok    $pkg $name ($((SECONDS - t0)) s)"
	elif grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
		# Go 1.26's fuzzing coordinator can report its own -fuzztime
		# deadline as a failure, with no input written (go.dev/issue/75804,
		# fixed in Go 1.27). Nothing was found: not a failure.
		echo "fuzz: ok    $pkg $name ($((SECONDS - t0)) s; Go's deadline race reported, no crasher)"
		flaked=$((flaked + 1))
	else
		echo "$out" | tail -n 30
		echo "fuzz: FAIL  $pkg $name (a failing input is saved under $pkg/testdata/fuzz/$name/: fix the bug, commit the file)"
		failed+=("$pkg $name")
	fi
done
echo "fuzz: ${#targets[@]} targets in $((SECONDS - start)) s: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed ($flaked with Go's deadline race)"
if [ "${#failed[@]}" -gt 0 ]; then
	printf 'fuzz: failed: %s\n' "${failed[@]}" >&2
	exit 1
fi
