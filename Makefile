# The two commands of the README. Each does its own set-up, idempotently, on a fresh machine.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/pip --disable-pip-version-check -q

.PHONY: demo test test-fast setup browser lint clean

demo: setup browser ## the main job: the whole evaluation on the sandbox
	$(BIN)/govprobe demo

test: setup browser ## the test suite: tests/unit, tests/sandbox and tests/e2e
	$(BIN)/pytest -q -n 2 --dist loadfile

test-fast: setup ## tests/unit alone: no socket, no browser, no child process
	$(BIN)/pytest -q -n 2 tests/unit

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(PIP) install -e '.[dev]' 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true
	$(BIN)/python -c "import probes, sandbox, playwright, pytest"
	touch $(STAMP)

browser: setup ## find or install a Chromium the journeys can drive
	$(BIN)/govprobe browser ensure

lint: setup
	$(BIN)/ruff check probes sandbox tests bench
	$(BIN)/ruff format --check probes sandbox tests bench
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) results
