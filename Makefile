# Wharf — two commands on a fresh Debian machine:
#   make deploy   build the local target host and deploy the sample site to it
#   make test     lint, app unit tests and every Molecule scenario
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
APP_VENV := app/.venv
# Molecule scenarios in two lanes that run at once, each lane in order
# (scripts/molecule_lanes.py), balanced by the times in bench/results/suite.md.
# Every scenario is in one lane (tests/test_conventions.py checks);
# `make molecule LANES=default` runs one.
LANES ?= default,release,projects cluster,netbox,s3,whitenoise
# `make deploy`: the local host's Debian (12 or 13; `make destroy` before
# switching) and the inventory it deploys (docs/your-project.md).
DEBIAN ?= 12
INVENTORY ?= inventory/local
SUITE_12 := bookworm
SUITE_13 := trixie
export WHARF_LOCAL_IMAGE := localhost/wharf-debian:$(DEBIAN)
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_ROLES_PATH := $(CURDIR)/roles

.PHONY: help deploy destroy onboard test lint unit molecule bench bench-cluster host-tools images image-bookworm image-trixie image-local venv clean

help:
	@echo "make deploy    create the local host (podman) and deploy to it: https://localhost:8443/"
	@echo "make destroy   remove the local host and everything deployed in it"
	@echo "make onboard PROJECT=<dir> [NAME=<name>]  write inventory/<name> for an existing Django project"
	@echo "make test      lint + app unit tests + Molecule scenarios (lanes: $(LANES))"
	@echo "make bench     measure serving and deploy times against the local host (see bench/)"
	@echo "make bench-cluster  deploy time and requests/s against the number of app hosts (own containers)"

deploy: venv host-tools image-local
	scripts/local-host.sh up
	ansible-playbook -i $(INVENTORY) playbooks/deploy.yml
	@echo
	@echo "Wharf is serving https://localhost:8443/ (local CA: inventory/local/.secrets/wharf-ca/ca.crt)"

destroy:
	scripts/local-host.sh down

# A starting inventory read from an existing project's source (docs/your-project.md).
onboard: venv
	@test -n "$(PROJECT)" || { echo "make onboard: set PROJECT=<the project's directory>" >&2; exit 2; }
	$(BIN)/python scripts/project_inventory.py "$(PROJECT)" $(if $(NAME),--name "$(NAME)")

# The host tools first (one apt run), then the lint, the app's unit tests and
# the two base images side by side (debootstrap mostly waits on the mirror
# and the disk while the linters use the CPU), then the scenarios.
test: host-tools
	$(MAKE) --no-print-directory -j 4 --output-sync=target lint unit images
	$(MAKE) --no-print-directory molecule

lint: venv
	@echo '== lint: yamllint, ansible-lint, ruff, conventions'
	yamllint --strict .
	ansible-lint --profile production
	ruff check .
	ruff format --check .
	pytest -q -p no:cacheprovider tests

unit: $(APP_VENV)/.installed
	cd app && .venv/bin/pytest

molecule: venv host-tools images
	$(BIN)/python scripts/molecule_lanes.py $(LANES)

bench: venv
	bench/run.sh
	.venv/bin/python bench/deploy.py

bench-cluster: venv host-tools image-local
	.venv/bin/python bench/cluster.py

host-tools:
	scripts/install-host-tools.sh

# The local host runs Debian $(DEBIAN); Molecule tests Debian 12 and 13.
image-local: host-tools
	@[[ -n "$(SUITE_$(DEBIAN))" ]] || { echo "DEBIAN must be 12 or 13 (got $(DEBIAN))" >&2; exit 2; }
	scripts/build-base-image.sh $(SUITE_$(DEBIAN))

images: image-bookworm image-trixie

image-bookworm image-trixie: host-tools
	scripts/build-base-image.sh $(@:image-%=%)

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }
	@python3 -c 'import venv, ensurepip' 2>/dev/null || scripts/install-host-tools.sh
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(APP_VENV)/.installed: app/requirements.txt app/requirements-dev.txt
	python3 -m venv $(APP_VENV)
	$(APP_VENV)/bin/pip install --quiet -r app/requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) $(APP_VENV) .cache
