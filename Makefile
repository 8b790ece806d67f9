# Two commands do everything on a fresh Debian/Ubuntu machine (as root):
#   make demo   grade the bundled example submission end to end, as Gradescope would
#   make test   run the test suite (as root on Debian/Ubuntu it installs and starts a Docker engine first)
VENV ?= /opt/gm-autograder/venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.gm-autograder-dev
DEMO := build/demo
SHIPPED := autograder reference rubrics requirements.txt pyproject.toml README.md setup.sh run_autograder

.PHONY: venv demo test bench clean

venv: $(STAMP)

$(STAMP): setup.sh requirements.txt pyproject.toml
	AUTOGRADER_DEV=1 AUTOGRADER_VENV=$(VENV) bash setup.sh
	touch $@

demo: venv
	rm -rf $(DEMO)
	mkdir -p $(DEMO)/source $(DEMO)/results
	cp -r $(SHIPPED) $(DEMO)/source/
	echo cmu10417-f2023 > $(DEMO)/source/ASSIGNMENT
	cp -r examples/cmu10417-f2023/submission $(DEMO)/submission
	echo '{"id": 1, "created_at": "2026-11-20T10:00:00Z", "users": []}' > $(DEMO)/submission_metadata.json
	cp run_autograder $(DEMO)/run_autograder
	AUTOGRADER_VENV=$(VENV) bash $(DEMO)/source/setup.sh
	cd $(DEMO) && AUTOGRADER_ROOT=$(CURDIR)/$(DEMO) AUTOGRADER_VENV=$(VENV) bash run_autograder | sed -n '/^CMU/,/^Total/p'
	@echo "results: $(DEMO)/results/results.json"

test: venv
	bash tests/docker_engine.sh
	$(PYTHON) -m pytest

bench: venv
	$(PYTHON) benchmarks/bench_grading.py
	$(PYTHON) benchmarks/bench_batch.py

clean:
	rm -rf build
