# SPDX-License-Identifier: GPL-2.0
# zcrx-lts: io_uring zero-copy receive for Linux 6.12 LTS.
# Everything built lives in $(ZCRX_CACHE) (default ~/.cache/zcrx-lts), the
# compiler cache in $(CCACHE_DIR) (default ~/.cache/zcrx-lts-ccache).
#
# A line "## target: what it does" documents a target for `make help`; plain
# `make` prints that list instead of starting a build.

.PHONY: help demo test setup tree patches checkpatch kunit uml-test \
	qemu-test qemu-e1000e x86 kcsan bench bench-kunit check-versions check-bisect \
	clean-cache

## help: list the targets (what plain `make` does)
help:
	@echo "zcrx-lts: io_uring zero-copy receive for Linux 6.12 LTS"
	@echo "The README's two commands are 'make demo' and 'make test'."
	@echo
	@sed -n 's/^## \([a-z0-9-]*\): \(.*\)/\1\t\2/p' $(MAKEFILE_LIST) | \
		awk -F'\t' '{ printf "  make %-16s %s\n", $$1, $$2 }'

## demo: fetch and patch 6.12, build, boot in QEMU and show zcrx working
demo:
	@scripts/demo.sh

## test: every test (checkpatch, series, host, KUnit, UML, QEMU); "N passed, N failed"
test:
	@scripts/test.sh

## setup: install the Debian packages the project needs (apt-get)
setup:
	@scripts/setup.sh

## tree: fetch Debian's 6.12 source and apply the series to the working tree
tree: setup
	@scripts/apply.sh

## patches: export the series as numbered patches and check they apply
patches: setup
	@scripts/patches-check.sh

## checkpatch: checkpatch.pl --strict on every patch of the series
checkpatch: setup
	@scripts/checkpatch.sh

## kunit: build the UML kernel and run the KUnit suites
kunit: setup
	@scripts/kunit.sh run

## uml-test: the VM tests of tests/vm in the UML kernel on the host's root
uml-test: setup
	@scripts/kunit.sh build
	@scripts/uml-run.sh

## x86: build the x86_64 debug kernel (KASAN, lockdep, kmemleak)
x86: setup
	@scripts/build-x86.sh

## qemu-test: boot the x86_64 kernel under QEMU: KUnit at boot, the VM tests
qemu-test: x86
	@scripts/qemu-run.sh

## qemu-e1000e: zero copy on two emulated e1000e NICs behind an IOMMU (QEMU)
qemu-e1000e: x86
	@scripts/qemu-run.sh -n -e -l qemu-e1000e -k zcrx.timeout=600 \
		-f 't_zcrx_e1000e*'

## kcsan: the 2-CPU stress and vnic zcrx tests on a KCSAN x86_64 kernel (not in CI, 360 s a test)
kcsan: setup
	@ZCRX_X86_VARIANT=kcsan scripts/build-x86.sh
	@ZCRX_X86_VARIANT=kcsan scripts/qemu-run.sh -n -t 1800 -l qemu-kcsan \
		-k zcrx.timeout=360 -f 't_zcrx_[sv]*'

## bench: recv-zc against read, multishot recv and TCP_ZEROCOPY_RECEIVE on vnic in UML (BENCH_ARGS), then bench-kunit
bench: setup
	@scripts/bench.sh $(BENCH_ARGS)
	@scripts/bench-kunit.sh -n

## bench-kunit: KUnit microbenchmarks of recv-zc and the provider on the UML bench kernel
bench-kunit: setup
	@scripts/bench-kunit.sh $(BENCH_KUNIT_ARGS)

## check-versions: apply the series to every linux-source-6.12 Debian offers
check-versions: setup
	@scripts/check-versions.sh $(CHECK_ARGS)

## check-bisect: build every prefix of the series (UML) and run its KUnit cases
check-bisect: setup
	@scripts/check-bisect.sh

## clean-cache: remove the build cache (ZCRX_CACHE), not the compiler cache
clean-cache:
	rm -rf "$${ZCRX_CACHE:-$$HOME/.cache/zcrx-lts}"
