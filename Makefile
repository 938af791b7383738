# Prepay Kiosk: everything a fresh Debian machine needs, idempotent.
#   make demo   run the kiosk on the embedded default (emulated reader and cards, payment
#               simulator, virtual meters); with no display, a scripted walk-through offscreen
#               that saves a screenshot of every screen in demo-out/
#   make test   run the whole test suite
#   make bench  run the benchmarks and print their figures

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# pytest-xdist workers for `make test`: the suite mostly waits (servers, browsers, Qt), two keep
# both CPUs of a small CI machine busy
TEST_WORKERS ?= 2

# Debian packages: pcscd + vpcd for the real PC/SC stack in tests and the demo; libpcsclite-dev and
# swig to build pyscard; a compiler and Python headers for the same; zbar-tools to check that a
# rendered QR code decodes to exactly its payload; postgresql for the tests and benchmarks that run
# the same code on PostgreSQL (a throw-away server per run, kiosk/db/pgserver.py); mbpoll, an
# independent Modbus client that shows the meter simulator speaks standard Modbus; socat for a
# serial line pair (Modbus RTU over a pty); the CJK font and the libraries Qt's offscreen and xcb
# platforms load, so the touchscreen renders Chinese on a bare machine; chromium for the dashboard's
# end-to-end tests (Playwright drives Debian's /usr/bin/chromium, no browser download).
APT_PACKAGES := pcscd vsmartcard-vpcd libpcsclite-dev swig gcc python3-dev python3-venv zbar-tools \
                postgresql mbpoll socat fonts-noto-cjk libegl1 libgl1 libxkbcommon0 libfontconfig1 \
                libdbus-1-3 libxkbcommon-x11-0 libxcb-cursor0 chromium

.PHONY: setup system-packages test demo bench lint clean

setup: system-packages $(STAMP)

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "Missing Debian packages:$$missing -- run 'sudo make setup' or install them yourself." >&2; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The PC/SC tests share the one pcscd + vpcd of the machine, so they run in one process of their
# own (mostly waiting on the reader stack) beside the rest on $(TEST_WORKERS) xdist workers; their
# report follows. Every test runs; the target fails if either part fails.
test: setup
	@rm -f .pytest-pcsc.log
	$(PY) -m pytest -q -m pcsc -p no:cacheprovider > .pytest-pcsc.log 2>&1 & pcsc=$$!; \
	$(PY) -m pytest -q -n $(TEST_WORKERS) -m "not pcsc"; rest=$$?; \
	wait $$pcsc; pcsc_rc=$$?; \
	echo "-- PC/SC tests (pytest -m pcsc) --"; cat .pytest-pcsc.log; rm -f .pytest-pcsc.log; \
	test $$rest -eq 0 && test $$pcsc_rc -eq 0

demo: setup
	$(VENV)/bin/prepay-kiosk-ui --demo --out demo-out

bench: setup
	$(PY) -m bench

lint: setup
	$(VENV)/bin/ruff check cardlib kiosk meters ui backend tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) demo-out .pytest_cache .hypothesis
