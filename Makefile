# sim -- PGXS build.
#
#   make                 build the extension
#   make install         install it into the PostgreSQL that pg_config names
#   make installcheck TAP_TESTS=   pg_regress and isolation tests against a running server
#   make installcheck REGRESS= TAP_TESTS=   the isolation tests only
#   make unitcheck       C unit tests of src/core, the SQLSTATE and limits registry
#                        checks and the no-FMA check of the JIT bitcode (no server)
#   make pgtapcheck      pgTAP tests via pg_prove against a running server
#   make tapcheck        TAP tests (they start their own clusters; not as root)
# Plain "make installcheck" runs pg_regress, the isolation tests, then the TAP tests.
# make SIM_WERROR=1 makes every warning an error (flags.mk).

EXTENSION = sim
EXTVERSION = 0.1.0

MODULE_big = sim
CORE_SRCS = $(sort $(wildcard src/core/*.c))
GLUE_SRCS = $(sort $(wildcard src/*.c))
OBJS = $(GLUE_SRCS:.c=.o) $(CORE_SRCS:.c=.o)

# The install script is built from sql/ in this order; sql/vocab.sql is
# generated (see below).
SQL_PARTS = sql/vocab.sql sql/schema.sql sql/generate.sql sql/players.sql $(sort $(wildcard sql/engine*.sql)) \
	$(sort $(wildcard sql/economy*.sql)) sql/history.sql sql/deltas.sql sql/state_hash.sql sql/lifecycle.sql sql/replay.sql sql/api.sql sql/view.sql sql/report.sql sql/finish.sql
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(SQL_PARTS),$(wildcard sql/$(EXTENSION)--*--*.sql))
EXTRA_CLEAN = sql/vocab.sql tools/gen_vocab

include flags.mk
PG_CPPFLAGS = -I$(srcdir)/include
PG_CFLAGS = -std=gnu99 $(SIM_FP_CFLAGS) $(SIM_WARN_CFLAGS)
SHLIB_LINK = -llz4 -lm

REGRESS = $(basename $(notdir $(sort $(wildcard test/sql/*.sql))))
REGRESS_OPTS = --inputdir=build/regress --outputdir=build/regress-out --load-extension=postgis

# Isolation tests (pg_isolation_regress): concurrent sessions racing the
# commands at each isolation level.  Specs in test/isolation/specs, expected
# output in test/isolation/expected.
ISOLATION = $(basename $(notdir $(sort $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=build/isolation-out \
	--load-extension=postgis --load-extension=sim

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The bitcode PGXS builds for JIT inlining is compiled by clang with
# BITCODE_CFLAGS, not CFLAGS: give it the same language and floating-point
# flags, or the JIT could inline code with fused multiply-adds.
override BITCODE_CFLAGS += -std=gnu99 $(SIM_FP_CFLAGS)

# every object (and its bitcode twin) depends on every header and on the
# flags: a changed struct or flag rebuilds all
$(OBJS) $(OBJS:.o=.bc): $(wildcard include/sim/*.h include/sim/core/*.h) flags.mk

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

# The vocabularies (ship states, NPC roles, flight-leg columns) are listed
# once, in include/sim/core/vocab.h and kinematics.h; tools/gen_vocab, built
# with the host compiler, writes their SQL.  Both are build products.
HOST_CC ?= cc
VOCAB_HEADERS = include/sim/core/vocab.h include/sim/core/kinematics.h
tools/gen_vocab: tools/gen_vocab.c $(VOCAB_HEADERS)
	$(HOST_CC) -std=gnu99 -Wall -Werror -I$(srcdir)/include -o $@ $<

sql/vocab.sql: tools/gen_vocab
	tools/gen_vocab > $@.tmp && mv $@.tmp $@

# pg_regress (PostgreSQL 15) reads inputs and expected output from one
# directory; assemble it from test/sql and expected/.
installcheck: regress-dirs
regress-dirs:
	mkdir -p build/regress build/regress-out
	ln -sfn ../../test/sql build/regress/sql
	ln -sfn ../../expected build/regress/expected

unitcheck:
	test/check_errcodes.sh
	test/check_limits.sh
	test/check_bitcode.sh
	$(MAKE) -C test/unit check

pgtapcheck:
	pg_prove --ext .sql -r test/pgtap

tapcheck:
	$(prove_installcheck)

.PHONY: unitcheck pgtapcheck tapcheck regress-dirs
