# flags.mk -- compiler flags shared by the extension's object code and JIT
# bitcode (Makefile), the C unit tests (test/unit) and the fuzz harness
# (test/fuzz), so that they cannot drift apart.

# The floating-point rules of everything that advances state (DESIGN.md,
# promise 4: bit for bit on every path).  -ffp-contract=off forbids fusing
# a * b + c into one fused multiply-add, which rounds once where the scalar
# reference rounds twice: gcc fuses by default in GNU C modes, clang emits
# llvm.fmuladd, which becomes an FMA wherever the CPU has one (a target("fma")
# function, or PostgreSQL's JIT, which compiles for the host CPU).  No fast-math
# flag and no -march belong here.
SIM_FP_CFLAGS = -ffp-contract=off

# Warnings beyond PostgreSQL's own set (-Wall and the others pg_config
# reports): -Wextra, less -Wunused-parameter, which PostgreSQL's headers
# (ilist.h, bufpage.h, fmgr.h) and every callback signature trip.  With
# SIM_WERROR=1 (scripts/test.sh, hence CI) every warning is an error; a plain
# "make" shows them and goes on.
SIM_WARN_CFLAGS = -Wextra -Wno-unused-parameter
ifeq ($(SIM_WERROR),1)
SIM_WARN_CFLAGS += -Werror
endif
