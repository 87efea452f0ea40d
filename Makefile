# The two commands a newcomer needs: `make demo` and `make test`.
# Both create the virtual environment in .venv and install smotegen into it first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BENCH_INSTALLED := $(VENV)/.bench-installed

.PHONY: demo test lint sample fidelity bench clean

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

demo: $(INSTALLED)
	mkdir -p out
	$(BIN)/smotegen expand sample_data/telecom_usage.csv out/demo.parquet -n 1000000 --seed 42 --overwrite

test: $(INSTALLED)
	$(BIN)/python -m pytest

lint: $(INSTALLED)
	$(BIN)/ruff check smotegen tests benchmarks sample_data

sample: $(INSTALLED)
	$(BIN)/python sample_data/make_sample.py

# Expands each public table of the data folder beside the repository with both
# methods and prints the comparison with held-out rows (skips without the folder).
fidelity: $(INSTALLED)
	$(BIN)/python benchmarks/fidelity.py

$(BENCH_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_INSTALLED)

# Times expand on 1M and 10M rows against the floor of the job (numpy gathers
# and pyarrow writes) and imbalanced-learn's SMOTENC, and prints wall time,
# rows/s, peak RSS and their ratios (about 3 minutes; not part of make test).
bench: $(BENCH_INSTALLED)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) out build *.egg-info
