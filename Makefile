# The WEAM study's task runner. Two commands matter:
#   make book   build the whole book on the default profile (creates .venv itself)
#   make test   run the tests (creates .venv itself)
# Choose a profile with PROFILE=smoke|default|paper-smoke|paper.
# `make publish` builds the book and writes it as a static site to public/ (README,
# "Publishing the book"); .github/workflows/book.yml runs it on every push to main.

PYTHON ?= python3.11
VENV ?= .venv
PROFILE ?= default
PUBLISH_DIR ?= public
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export OMP_WAIT_POLICY := PASSIVE
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: venv book publish test lint format clean clean-cache bench smoke lab

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c requirements.lock -e ".[dev]"
	$(PY) -m ipykernel install --prefix $(VENV) --name python3 --display-name "Python 3 (weam)" >/dev/null
	touch $(STAMP)

book: venv
	$(PY) -m weamlib book --profile $(PROFILE)

# The static site: book/_build/html as Jupyter Book wrote it (each chapter page's download
# button links its executed notebook, _sources/chapters/NN_name.ipynb, which Sphinx copies
# there), plus build_report.json and .nojekyll. Written to $(SITE).tmp, checked (every
# chapter's notebook present and linked; no page loads a remote script, image or
# stylesheet), then moved into place. An existing $(SITE) is only replaced if it looks like
# an earlier site (has .buildinfo and build_report.json), never the checkout or a parent.
SITE := $(patsubst %/,%,$(strip $(PUBLISH_DIR)))

publish: book
	@site="$(abspath $(SITE))"; \
	case "$(CURDIR)/" in "$$site"/*) echo "publish: refusing PUBLISH_DIR='$(PUBLISH_DIR)' (the checkout or a folder above it)"; exit 1;; esac; \
	if [ -e "$$site" ] && ! { [ -f "$$site/.buildinfo" ] && [ -f "$$site/build_report.json" ]; }; then \
	  echo "publish: refusing to replace $$site: it exists and is not a site written by make publish"; exit 1; fi
	test -f book/build_report.json
	rm -rf "$(SITE).tmp"
	cp -R book/_build/html "$(SITE).tmp"
	cp book/build_report.json "$(SITE).tmp/build_report.json"
	touch "$(SITE).tmp/.nojekyll"
	@n=0; for src in notebooks/[0-9][0-9]_*.py; do \
	  stem=$$(basename "$$src" .py); page="$(SITE).tmp/chapters/$$stem.html"; \
	  nb="_sources/chapters/$$stem.ipynb"; n=$$((n + 1)); \
	  [ -f "$$page" ] || { echo "publish: $$page is missing (chapter $$src)"; exit 1; }; \
	  [ -f "$(SITE).tmp/$$nb" ] || { echo "publish: $(SITE).tmp/$$nb, the executed notebook of $$stem, is missing"; exit 1; }; \
	  grep -q "$$nb" "$$page" || { echo "publish: $$page has no download link to $$nb"; exit 1; }; \
	done; echo "publish: $$n chapter pages, each linking its executed notebook"
	@if grep -rlE 'src="(https?:)?//|href="//|rel="stylesheet" href="https?:' --include='*.html' "$(SITE).tmp"; then \
	  echo "publish: the pages above load remote assets; the site must request nothing from the network"; exit 1; fi
	rm -rf "$(SITE)"
	mv "$(SITE).tmp" "$(SITE)"
	@echo "publish: site written to $(SITE)/ (try: python3 -m http.server -d $(SITE))"

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
