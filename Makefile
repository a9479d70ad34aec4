# The two commands: `make run` (demo console against the local sandbox) and `make test` (the whole suite on SQLite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: run test bench lint format messages check-deploy clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(PY) manage.py init_env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_schedules
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py rundemo

test: $(VENV)/.installed-dev
	$(PY) -m pytest

bench: $(VENV)/.installed-dev
	@for script in bench/[!_]*.py; do $(PY) $$script || exit 1; done

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# After adding or changing a user-facing string: update the catalogue, translate it, then run this again.
messages: $(VENV)/.installed-dev
	$(PY) manage.py makemessages -l vi --no-location --no-obsolete
	$(PY) manage.py compilemessages -l vi --ignore=$(VENV)

# Django's deployment checklist under production-like settings (what CI runs): real-looking addresses, generated
# secrets, DEBUG off, HTTPS on. Passes on a fresh checkout; run it after changing settings.
check-deploy: $(VENV)/.installed-run
	@static_root=$$(mktemp -d); \
	export DEBUG=False HTTPS=True ALLOWED_HOSTS=console.example.vn STATIC_ROOT="$$static_root" \
	  CONSOLE_URL=https://console.example.vn \
	  ETELECOM_SHOP_BASE_URL=https://api.etelecom.vn/v1/shop ETELECOM_PARTNER_BASE_URL=https://api.etelecom.vn/v1/partner \
	  ETELECOM_SMS_BASE_URL=https://omni.incom.vn/api; \
	export SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  FIELD_ENCRYPTION_KEYS=$$($(PY) manage.py init_env --print-key) \
	  ETELECOM_PARTNER_API_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(24))'); \
	$(PY) manage.py collectstatic --noinput -v0 && $(PY) manage.py check --deploy --fail-level WARNING; \
	status=$$?; rm -rf "$$static_root"; exit $$status

clean:
	rm -rf $(VENV) staticfiles test-output .pytest_cache .ruff_cache .hypothesis
