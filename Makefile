# city-netops: the two commands a newcomer runs are `make demo` (the main job) and `make test`.
# Both install what they need: Debian packages (scripts/install-system-packages) and the project venv.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON := $(shell scripts/find-python 2>/dev/null)
INTENT ?= inventory/city
PYTEST_ARGS ?=
# The demo writes into the embedded NetBox only, never into one that NETBOX_URL in the caller's shell names.
LOCAL_NETBOX := env -u NETBOX_URL -u NETBOX_TOKEN

.PHONY: help venv system demo twin test lint typecheck unit goldens bench clean

help:
	@echo "make demo     run the main job on the sample city (validate, render, report, NetBox, ...)"
	@echo "make twin     the whole real city of today as a lab: up, provision, verify, a rollout wave, verify, down"
	@echo "make test     lint, type-check and run every test"
	@echo "make goldens  rewrite golden files from current output (review the git diff)"
	@echo "make bench    benchmarks, figures printed (see docs/benchmarks.md)"

# napalm-frr (./napalm-frr) is a distribution of its own that city-netops depends on and no index serves: it is
# installed first, so that the project's install finds it satisfied. The vrp extra is Huawei VRP's NAPALM driver.
$(STAMP): pyproject.toml napalm-frr/pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { scripts/find-python; exit 2; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ./napalm-frr
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,vrp]'
	@touch $@

venv: $(STAMP)

system:
	scripts/install-system-packages

demo: system venv
	@echo "== validate the sample city (inventory/city), its design rules included"
	$(BIN)/netops validate --strict-design --intent $(INTENT)
	@echo "== data-center services"
	$(BIN)/netops show services --intent $(INTENT)
	@echo "== sites of the aggregation area Cụm Ba Đình"
	$(BIN)/netops show sites --area ba-dinh --intent $(INTENT)
	@echo "== aggregation and core routers"
	$(BIN)/netops show devices --role aggregation --intent $(INTENT)
	$(BIN)/netops show devices --role core --intent $(INTENT)
	@echo "== WAN links of the aggregation area Cụm Đông Anh"
	$(BIN)/netops show links --area dong-anh --intent $(INTENT)
	@echo "== the resolved model (every interface, link and address) -> out/network.yml"
	$(BIN)/netops export --intent $(INTENT) --out out/network.yml
	@echo "== device configurations -> out/configs/"
	$(BIN)/netops render --intent $(INTENT) --out out/configs
	@echo "== what breaks if one router or link fails"
	$(BIN)/netops analyze what-if --intent $(INTENT)
	@echo "== the city's design rules: each one's verdict, the accepted risks, the failures that still cut sites"
	$(BIN)/netops analyze design --intent $(INTENT)
	@echo "== planner report -> out/report/index.html"
	$(BIN)/netops report --intent $(INTENT) --out out/report
	@echo "== the local NetBox (var/netbox): start it, write the sample city into it, plan again (nothing to do)"
	$(LOCAL_NETBOX) $(BIN)/netops netbox up
	$(LOCAL_NETBOX) $(BIN)/netops apply --prune --yes --intent $(INTENT)
	$(LOCAL_NETBOX) $(BIN)/netops plan --intent $(INTENT)
	$(LOCAL_NETBOX) $(BIN)/netops validate --source netbox
	@set -a; . "$${NETOPS_NETBOX_HOME:-var/netbox}/netbox.env"; set +a; \
	  echo "NetBox UI: $$NETBOX_URL (user $$NETBOX_ADMIN_USER, password in $${NETOPS_NETBOX_HOME:-var/netbox}/netbox.env;" \
	       "stop it with: $(BIN)/netops netbox down)"
	@echo "== provision and verify the sample city's lab from NetBox (scripts/demo-lab)"
	$(LOCAL_NETBOX) scripts/demo-lab

# The whole real city of today, generated from official data, as a running lab (scripts/twin; docs/lab.md "The
# twin"). Root; NETOPS_TWIN_AREAS="008" for a part of the city, NETOPS_TWIN_KEEP_LAB=1 to leave it up.
twin: system venv
	scripts/twin

lint: venv
	$(BIN)/ruff check .
	$(BIN)/yamllint --strict inventory tests/intent/cases tests/reorganize/cases tests/site tests/rollout/cases playbooks roles \
	  collections/ansible_collections/citynet/netops
	$(BIN)/netops allocations update --check --intent $(INTENT)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --profile production playbooks roles \
	  collections/ansible_collections/citynet/netops/playbooks

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: system venv lint typecheck unit

goldens: venv
	$(BIN)/python -m pytest --update-goldens $(PYTEST_ARGS)

bench: venv
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit $$?; done

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
