# footprint: `make demo` and `make test` create .venv from pinned constraints when it is missing or stale.
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export PREFECT_LOGGING_LEVEL ?= WARNING

.PHONY: demo test venv bench bench-load clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,dask]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/footprint demo --workdir demo-workspace

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

# make bench SIZES=1000000 for a quick one; writes bench/results.json (see bench/bench.py)
SIZES ?= 1000000 10000000
bench: $(STAMP)
	$(VENV)/bin/python bench/bench.py --sizes $(SIZES)

bench-load: $(STAMP)
	$(VENV)/bin/python bench/load_interval_year.py --meters 100

clean:
	rm -rf $(VENV) demo-workspace
