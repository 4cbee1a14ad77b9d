#!/usr/bin/env bash
# The ABI layout pins (tests/unit/test_abi_layout.c, built as _Static_asserts only) checked by
# clang for each LP64 target vdm runs on, without running anything: aarch64 gets the same
# numbers as x86_64 before an arm64 machine runs the unit test.  Label "tool".
# Usage: abi_layout_cross.sh SOURCE_DIR
set -uo pipefail

src=${1:?usage: abi_layout_cross.sh SOURCE_DIR}
if ! command -v clang >/dev/null; then
	echo "SKIPPED: clang not found (scripts/install-deps.sh installs it)"
	exit 77
fi
fails=0
for target in x86_64-linux-gnu aarch64-linux-gnu; do
	if clang --target="$target" -std=gnu11 -ffreestanding -fsyntax-only -Wall -Wextra -Werror \
		-DVDM_ABI_LAYOUT_STATIC -I"$src/include" "$src/tests/unit/test_abi_layout.c"; then
		echo "ok: $target: every pinned size and offset holds"
	else
		echo "FAIL: $target: the layout differs from the pins (clang's errors above)"
		fails=$((fails + 1))
	fi
done
exit $((fails > 0))
