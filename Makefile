# The WEAM study's task runner. Two commands matter:
#   make book   build the whole book on the default profile (creates .venv itself)
#   make test   run the tests (creates .venv itself)
# Choose a profile with PROFILE=smoke|default|paper.

PYTHON ?= python3.11
VENV ?= .venv
PROFILE ?= default
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export OMP_WAIT_POLICY := PASSIVE
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv book test lint format clean clean-cache bench smoke lab

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c requirements.lock -e ".[dev]"
	$(PY) -m ipykernel install --prefix $(VENV) --name python3 --display-name "Python 3 (weam)" >/dev/null
	touch $(STAMP)

book: venv
	$(PY) -m weamlib book --profile $(PROFILE)

smoke: venv
	$(PY) -m weamlib book --profile smoke

test: venv
	$(PY) -m ruff check .
	$(PY) -m pytest -q

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check src tests benchmarks

format: venv
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format src tests benchmarks

lab: venv
	$(PY) -m pip install -q -c requirements.lock -e ".[dev,lab]"
	$(VENV)/bin/jupyter lab notebooks/

bench: venv
	$(PY) benchmarks/run_benchmarks.py

clean:
	rm -rf book/_build book/chapters book/build_report.json

clean-cache:
	rm -rf .cache
