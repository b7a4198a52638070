# The README's two commands: `make demo` and `make test`. Both set everything up first and are idempotent.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The CPU wheel of this version is what the project is developed and tested with (see DEVELOPERS.md).
TORCH ?= torch==2.13.0

.PHONY: setup browser demo test test-slow robustness security serve bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml setup.py src/retrogan/film/_fastpath.c Makefile
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: $(STAMP)
	$(BIN)/retrogan stylize examples/seeding.jpg -o out/demo.jpg --overwrite

# Debian's Chromium for the browser tests of the web UI (installed when missing and possible)
browser:
	scripts/install_chromium.sh

test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -q

test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m slow

robustness: $(STAMP)
	$(BIN)/python scripts/robustness.py --bad 220 --good 20

# The hostile-user campaign (benchmarks/security.py): damaged images, hostile files, kills, web attacks (~10 min)
security: $(STAMP)
	$(BIN)/python benchmarks/security.py

# The whole comparison (fidelity, speed) and docs/results.md made from it: about 2 hours on 2 cores.
# Needs ../shared/data. MINUTES is the training budget of every trained system per stock.
MINUTES ?= 2
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --minutes $(MINUTES)

serve: $(STAMP)
	$(BIN)/retrogan serve

clean:
	rm -rf $(VENV) out build dist src/*.egg-info
