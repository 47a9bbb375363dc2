# Thin wrapper over CMake. The README's two commands: `make demo`, `make test`.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
SAN_BUILD ?= build-san

.PHONY: all deps build build-san test demo crash fuzz bench check-extra lint clean

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

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
