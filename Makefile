# Two entry points for a fresh machine: `make demo` and `make test`.
# Each bootstraps .venv and installs against the committed constraints.txt
# (the pinned resolution, Airflow included), so every machine gets the same versions.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: demo test test-airflow bench airflow install install-dev lock clean

$(BIN)/uv:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed-runtime: pyproject.toml constraints.txt | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e .
	touch $@

# The demo runs the simulators: their server dependencies are the `sandbox` extra.
$(VENV)/.installed-sandbox: pyproject.toml constraints.txt | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e ".[sandbox]"
	touch $@ $(VENV)/.installed-runtime

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e ".[dev]"
	touch $@ $(VENV)/.installed-runtime $(VENV)/.installed-sandbox

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev

demo: $(VENV)/.installed-sandbox
	$(BIN)/lienthong demo

test: install-dev
	$(BIN)/pytest -m "not airflow_stack" $(PYTEST_ARGS)

# The DAGs in a whole running Airflow (LocalExecutor, then CeleryExecutor on Redis): about 12 minutes,
# so apart from `make test`; CI runs both (.ci/run).
test-airflow: install-dev
	$(BIN)/pytest -m airflow_stack $(PYTEST_ARGS)

# A local Airflow 3 on the project's DAGs (docs/operations.md); Ctrl-C stops it.
airflow: install-dev
	$(BIN)/python -m hub.airflow_stack

# The national benchmark (docs/performance.md); options through ARGS, e.g. make bench ARGS="--scale 0.232".
bench: install
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e ".[bench]"
	$(BIN)/python bench/national.py $(ARGS)

# Re-resolve the pinned set after changing dependencies in pyproject.toml.
lock: | $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 --no-header -o constraints.txt

clean:
	rm -rf $(VENV) var
