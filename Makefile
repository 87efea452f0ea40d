# The two commands a newcomer needs: `make demo` and `make test`.
# Both create the virtual environment in .venv and install smotegen into it first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint sample fidelity clean

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

clean:
	rm -rf $(VENV) out build *.egg-info
