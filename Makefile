# One entry point. `make run` and `make test` are all a newcomer needs.
VENV    ?= .venv
PY      := $(VENV)/bin/python
RASA    := $(VENV)/bin/rasa
MODEL   := models/assistant.tar.gz

# Privacy and quiet by default: no telemetry, no TensorFlow chatter.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

.PHONY: help venv train run test lint validate test-stories pytest evaluate crossval bench clean widget-deps \
        check-content report try export-csv import-csv soak

help:
	@echo "make run    - set up, train if the data changed, start the assistant (Ctrl-C stops it)"
	@echo "make test   - set up, train if needed, run every check and test"
	@echo "make evaluate / make crossval - understanding figures (results/)"
	@echo "make check-content - check the training data, answers and hotlines (see CONTENT.md)"
	@echo "make report - understanding report for content staff: results/report.html"
	@echo "make try    - chat with the current model in a local page and see why it answers (MSG=\"...\": one message here)"
	@echo "make export-csv / make import-csv - examples and answers to and from a spreadsheet"
	@echo "make bench / make soak - speed against stock Rasa (results/bench.json); 10 minutes under load (results/soak.json)"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt tools/make_venv.sh
	@tools/make_venv.sh $(VENV)
	@touch $@

# Rasa fingerprints config, domain and data: an unchanged project is not retrained.
train: venv
	$(RASA) train --fixed-model-name assistant --out models

run: train
	$(PY) -m bot.run --model $(MODEL)

lint: venv
	$(VENV)/bin/ruff check bot actions tests tools
	$(VENV)/bin/mypy bot actions tools tests/expected.py

validate: venv
	$(RASA) data validate --fail-on-warnings

test-stories: train
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/stories

# axe-core for the widget's accessibility test, pinned by tests/widget/package-lock.json.
WIDGET_DEPS := tests/widget/node_modules/axe-core/axe.min.js
widget-deps: $(WIDGET_DEPS)
$(WIDGET_DEPS): tests/widget/package.json tests/widget/package-lock.json
	cd tests/widget && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

pytest: train widget-deps
	$(PY) -m pytest tests

test: lint check-content train test-stories pytest

evaluate: train
	$(PY) -m tools.evaluation --model $(MODEL) --data tests/nlu/heldout.yml --out results/heldout.json

crossval: venv
	$(RASA) test nlu --nlu data/nlu --config config.yml --cross-validation --folds 3 --out results/crossval

# Content staff (CONTENT.md). check-content runs the project's rules, then
# `rasa data validate --fail-on-warnings`, and explains each problem in plain words.
# Staff commands print only their own lines (tools/content/quiet.py, tools/content/train.py).
check-content: venv
	@$(PY) -m tools.content.check

# Trains first only when the model is older than config.yml, domain.yml or data/ (tools/content/train.py).
report: venv
	@$(PY) -m tools.content.train
	@$(PY) -m tools.content.report --model $(MODEL)

# A page on 127.0.0.1 to chat with the current model (tools/preview); MSG="..." answers one message here.
# MSG reaches the preview through the environment (make exports command-line variables), never the shell.
try: venv
	@$(PY) -m tools.content.train
	@$(PY) -m tools.preview --model $(MODEL)

CSV ?= results/spreadsheet
export-csv: venv
	@$(PY) -m tools.content.spreadsheet export --folder $(CSV)

import-csv: venv
	@$(PY) -m tools.content.spreadsheet import --folder $(CSV)

# Not part of `make test`: trains twice and drives load for several minutes.
bench: venv
	$(PY) tools/bench.py

# 50 concurrent conversations for 10 minutes over 2 processes sharing Redis (not in make test).
soak: train
	$(PY) -m tools.soak

clean:
	rm -rf models results .pytest_cache .ruff_cache
