# Thin wrapper over CMake. The README's two commands: `make demo`, `make test`.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
SAN_BUILD ?= build-san
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
VG_BUILD ?= build-valgrind
FUZZ_SECONDS ?= 300

.PHONY: all deps build build-san test demo crash fuzz check-extra lint bench clean

all: build

deps:
	sh scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

build-san: deps
	cmake -S . -B $(SAN_BUILD) -DDS_SANITIZE=ON >/dev/null
	cmake --build $(SAN_BUILD) -j$(JOBS)

# Every test, under AddressSanitizer + UndefinedBehaviorSanitizer.
test: build-san
	sh scripts/check-banned.sh
	cd $(SAN_BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 900

demo: build
	sh scripts/demo.sh $(BUILD)

# kill -9 at random moments, ENOSPC and failed fsyncs injected, across the
# commands, each followed by `dossier check` (tests labelled crash):
# dossierd 200 trials (OCR off; every scan ingested exactly once or rejected
# with a reason), intake 100, OCR 40, seal 40; `make test` runs 50, 25, 8
# and 6 of them.
CRASH_TRIALS ?= 200
crash: build-san
	cd $(SAN_BUILD) && DS_CRASH_TRIALS=$(CRASH_TRIALS) CRASH_TRIALS_INTAKE=100 \
		CRASH_TRIALS_OCR=40 CRASH_TRIALS_SEAL=40 \
		ctest -L crash --output-on-failure --timeout 5400

# Each libFuzzer target (or those in FUZZ_TARGETS) for FUZZ_SECONDS (clang,
# ASan+UBSan); new crashes
# land in $(FUZZ_BUILD)/crashes/<target>/.
fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DDS_SANITIZE=ON -DDS_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ThreadSanitizer on the daemon tests (label daemon), valgrind memcheck on
# the end-to-end tests except those labelled ocr (Tesseract is ~34x slower
# under memcheck) and crash (kill -9 trials: a killed process reports
# nothing); see docs/hardening.md.
check-extra: deps
	cmake -S . -B $(TSAN_BUILD) -DDS_TSAN=ON >/dev/null
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	cd $(TSAN_BUILD) && ctest --output-on-failure -L daemon --timeout 1800
	cd $(TSAN_BUILD) && ctest --output-on-failure -R 'e2e_ocr_cli|e2e_ocr_pipeline|test_ocr_engine' --timeout 1800
	cmake -S . -B $(VG_BUILD) -DCMAKE_BUILD_TYPE=Debug -DDS_VALGRIND=ON >/dev/null
	cmake --build $(VG_BUILD) -j$(JOBS)
	cd $(VG_BUILD) && ctest --output-on-failure -L e2e -LE 'ocr|crash' --timeout 1800

lint: build
	sh scripts/lint.sh $(BUILD)

bench: build
	sh bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD) $(VG_BUILD)
