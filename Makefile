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

.PHONY: help venv train run test lint validate test-stories pytest evaluate crossval bench clean

help:
	@echo "make run    - set up, train if the data changed, start the assistant (Ctrl-C stops it)"
	@echo "make test   - set up, train if needed, run every check and test"
	@echo "make evaluate / make crossval - understanding figures (results/)"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt scripts/make_venv.sh
	@scripts/make_venv.sh $(VENV)
	@touch $@

# Rasa fingerprints config, domain and data: an unchanged project is not retrained.
train: venv
	$(RASA) train --fixed-model-name assistant --out models

run: train
	$(PY) -m bot.run --model $(MODEL)

lint: venv
	$(VENV)/bin/ruff check bot actions tests scripts

validate: venv
	$(RASA) data validate --fail-on-warnings

test-stories: train
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/stories

pytest: train
	$(PY) -m pytest tests

test: lint validate train test-stories pytest

evaluate: train
	$(PY) -m bot.evaluation --model $(MODEL) --data tests/nlu/heldout.yml --out results/heldout.json

crossval: venv
	$(RASA) test nlu --nlu data/nlu --config config.yml --cross-validation --folds 3 --out results/crossval

# Not part of `make test`: trains twice and drives load for several minutes.
bench: venv
	$(PY) scripts/bench.py

clean:
	rm -rf models results .pytest_cache .ruff_cache
