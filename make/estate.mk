# Estate stacks (stacks/): static gates, the one-command deploy and the teardown.
# Included by the Makefile after VENV, BIN, PYTHON and STAMP are defined.
#
#   make checkov-venv     .venv-checkov with the pinned checkov (its own venv: old boto3 pin)
#   make checkov          checkov --skip-download on stacks/*.yaml and template.yaml
#   make estate-validate  sam validate --lint + cfn-lint (with cfn-lint-serverless) on stacks/*.yaml
#   make deploy-plan      print the deploy order and the exact sam commands, call nothing; exit 2
#                         when not deployable; DEPLOY_ARGS="--changesets" also creates (never
#                         executes) each deployable stack's change set
#   make deploy           sam build, then deploy the whole estate in order (needs AWS credentials);
#                         each change set is reviewed unless DEPLOY_ARGS="--no-confirm-changeset"
#   make estate-params    write .estate/*.yaml from the deployed stacks, for sam deploy by hand
#   make destroy CONFIRM=<EstateName> [PURGE_BUCKETS=1] [PURGE_TABLE=1]   tear it down in reverse,
#                         after showing the account and regions and a typed confirmation
#
# PROFILE=NAME picks the AWS profile once for every target (boto3 and each sam command);
# without it, the default credential chain.

CHECKOV_VENV := .venv-checkov
# checkov, with its JSONPath parse table built once per run (scripts/checkov_run.py says why).
CHECKOV := $(CHECKOV_VENV)/bin/python scripts/checkov_run.py
CHECKOV_LOCK := make/checkov-requirements.txt
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
ESTATE_STACKS := $(sort $(wildcard stacks/*.yaml))
CHECKOV_TEMPLATES := $(ESTATE_STACKS) template.yaml

.PHONY: checkov-venv checkov checkov-lock estate-validate deploy deploy-plan estate-params destroy

# uv comes from .venv; the checkov venv gets the locked set only (fast, reproducible).
$(CHECKOV_STAMP): $(CHECKOV_LOCK) | $(STAMP)
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv --without-pip $(CHECKOV_VENV)
	echo '*' > $(CHECKOV_VENV)/.gitignore
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(CHECKOV_VENV)/bin/python -r $(CHECKOV_LOCK)
	touch $@

checkov-venv: $(CHECKOV_STAMP)

checkov: $(CHECKOV_STAMP)
	$(CHECKOV) --skip-download --quiet --compact --framework cloudformation \
		$(addprefix -f ,$(CHECKOV_TEMPLATES))

# Re-resolve the checkov set after editing make/checkov-requirements.in.
checkov-lock: $(STAMP)
	$(BIN)/uv pip compile make/checkov-requirements.in -o $(CHECKOV_LOCK) --python-version 3.11

estate-validate: $(STAMP)
	set -e; for template in $(ESTATE_STACKS); do \
		SAM_CLI_TELEMETRY=0 $(BIN)/sam validate --lint --template $$template; done
	$(BIN)/cfn-lint -a cfn_lint_serverless.rules -- $(ESTATE_STACKS)

PROFILE_ARGS := $(if $(PROFILE),--profile $(PROFILE))

deploy-plan: $(STAMP)
	$(BIN)/python -m scripts.deploy --dry-run $(PROFILE_ARGS) $(DEPLOY_ARGS)

# DEPLOY_ARGS, e.g. DEPLOY_ARGS="--profile prod". Credentials: the default chain (environment,
# SSO, instance role) unless --profile names one. Review stays on unless you pass
# --no-confirm-changeset. The control plane deploys the build output that `build` just made.
deploy: $(STAMP) build
	$(BIN)/python -m scripts.deploy $(PROFILE_ARGS) $(DEPLOY_ARGS)

estate-params: $(STAMP)
	$(BIN)/python -m scripts.deploy --write-params $(PROFILE_ARGS) $(DEPLOY_ARGS)

destroy: $(STAMP)
	@test -n "$(CONFIRM)" || { echo "usage: make destroy CONFIRM=<EstateName> [PROFILE=NAME] [PURGE_BUCKETS=1] [PURGE_TABLE=1]"; exit 2; }
	$(BIN)/python -m scripts.destroy --confirm "$(CONFIRM)" $(PROFILE_ARGS) \
		$(if $(PURGE_BUCKETS),--purge-buckets) $(if $(PURGE_TABLE),--purge-table) $(DESTROY_ARGS)

# A real game day in REGION (its own outage: the other region should fail over), after a typed
# confirmation: make game-day REGION=us-east-1 EXPERIMENT=alb-503|stop-tasks|network [PROFILE=NAME]
.PHONY: game-day
game-day: $(STAMP)
	@test -n "$(REGION)" -a -n "$(EXPERIMENT)" || { echo "usage: make game-day REGION=<region> EXPERIMENT=alb-503|stop-tasks|network [PROFILE=NAME]"; exit 2; }
	$(BIN)/python -m scripts.gameday --region "$(REGION)" --experiment "$(EXPERIMENT)" $(PROFILE_ARGS)
