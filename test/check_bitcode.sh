#!/usr/bin/env bash
# test/check_bitcode.sh -- the bitcode PGXS builds for JIT inlining (*.bc) has
# no fused multiply-add, like the object code: a JIT that inlined a position
# evaluation must give the kernel's bits (DESIGN.md, promise 4).  Fails on any
# llvm.fmuladd or llvm.fma call in src/**/*.bc; says so and passes when there
# is no bitcode (a PostgreSQL built without LLVM) or no llvm-dis to read it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

shopt -s nullglob
files=(src/*.bc src/core/*.bc)
if [ ${#files[@]} -eq 0 ]; then
	echo "check_bitcode: no bitcode built (PostgreSQL without JIT): nothing to check"
	exit 0
fi
dis=""
for d in llvm-dis-14 llvm-dis; do
	if command -v "$d" >/dev/null 2>&1; then dis=$d; break; fi
done
if [ -z "$dis" ]; then
	echo "check_bitcode: no llvm-dis to read the bitcode: not checked"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	n=$("$dis" -o - "$f" | grep -cE 'call [^(]*@llvm\.(fmuladd|fma)\.' || true)
	if [ "$n" -gt 0 ]; then
		echo "check_bitcode: $f has $n fused multiply-adds (built without -ffp-contract=off?)" >&2
		bad=1
	fi
done
[ "$bad" -eq 0 ] && echo "check_bitcode: ${#files[@]} bitcode files, no fused multiply-add"
exit "$bad"
