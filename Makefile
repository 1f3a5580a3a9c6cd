# The few commands that matter. `make help` lists them.
.DEFAULT_GOAL := help
.PHONY: help run test chat setup build train evaluate catalogs validate bench bench-variants staff

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run:  ## run the assistant (sets up, trains when needed, starts the servers)
	scripts/run.sh

test:  ## run the whole test suite (sets up and trains when needed)
	scripts/test.sh

chat:  ## chat with the running assistant in the terminal
	.venv/bin/python -m bot.tools.chat

setup:  ## create .venv with the pinned dependencies
	scripts/setup.sh

build:  ## set up, compile catalogs, validate knowledge, train if needed
	scripts/build.sh

train:  ## train the model now
	scripts/setup.sh && PYTHONPATH=. .venv/bin/python -m bot.tools.model train

evaluate:  ## held-out NLU evaluation: accuracy and macro-F1 per language, confusions
	scripts/build.sh && PYTHONPATH=. .venv/bin/python -m bot.tools.evaluate

catalogs:  ## extract, update and compile the gettext catalogs
	scripts/setup.sh && PYTHONPATH=. .venv/bin/python -m bot.tools.catalogs all

validate:  ## validate the knowledge file
	scripts/setup.sh && PYTHONPATH=. .venv/bin/python -m bot.knowledge validate

bench:  ## benchmark against a stock `rasa init` assistant (about 10 minutes)
	scripts/build.sh && PYTHONPATH=. .venv/bin/python -m bench.run

bench-variants:  ## before/after figures: one change undone at a time (about 25 minutes)
	scripts/build.sh && PYTHONPATH=. bench/variants.sh

staff:  ## the staff tools in the terminal: make staff ARGS='search nooddorp Gent'
	PYTHONPATH=. .venv/bin/python -m bot.staff $(ARGS)
