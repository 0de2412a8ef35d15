# SPDX-License-Identifier: GPL-2.0
# zcrx-lts: io_uring zero-copy receive for Linux 6.12 LTS.
# Everything built lives in $(ZCRX_CACHE) (default ~/.cache/zcrx-lts).

.PHONY: all demo test setup tree patches checkpatch kunit uml-test \
	qemu-test x86 vm-progs clean-cache bench

all: demo

## demo: fetch and patch 6.12, build, boot in QEMU and show what works
demo:
	@scripts/demo.sh

## test: every test; ends with "N passed, N failed"
test:
	@scripts/test.sh

setup:
	@scripts/setup.sh

tree: setup
	@scripts/apply.sh

## patches: export the series (and check it applies to pristine 6.12)
patches: setup
	@scripts/patches-check.sh

checkpatch: setup
	@scripts/checkpatch.sh

kunit: setup
	@scripts/kunit.sh run

uml-test: setup
	@scripts/kunit.sh build
	@scripts/uml-run.sh

## bench: recv-zc against a copying receiver on a vnic pair, in UML; prints a table
## (BENCH_ARGS: options of scripts/bench.sh, e.g. BENCH_ARGS="-s 64K -m 1500")
bench: setup
	@scripts/kunit.sh build
	@scripts/bench.sh $(BENCH_ARGS)

x86: setup
	@scripts/build-x86.sh

qemu-test: x86
	@scripts/qemu-run.sh

clean-cache:
	rm -rf "$${ZCRX_CACHE:-$$HOME/.cache/zcrx-lts}"
