# Template gates, included from the Makefile (uses its BIN and STAMP).
#   make gates            every template gate (pytest tests/template; ~20 s)
#   make gates-validate   sam validate --lint
#   make gates-lint       cfn-lint + cfn-lint-serverless rules on template.yaml
#   make gates-asl        the ASL checks (cfn-lint E3601 on a wrapper + scope/Task checks)
#   make gates-build      sam build without containers into .aws-sam/gates-build
# Offline: no telemetry, fake credentials, a fixed region.
GATES_ENV := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
	AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
GATES_BUILD_DIR := .aws-sam/gates-build

.PHONY: gates gates-validate gates-lint gates-asl gates-build

gates: $(STAMP)
	$(BIN)/pytest tests/template

gates-validate: $(STAMP)
	$(GATES_ENV) $(BIN)/sam validate --lint --template template.yaml

gates-lint: $(STAMP)
	$(GATES_ENV) $(BIN)/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml

gates-asl: $(STAMP)
	$(BIN)/pytest tests/template/test_template_asl.py

gates-build: $(STAMP)
	$(GATES_ENV) $(BIN)/sam build --language-extensions --template template.yaml --build-dir $(GATES_BUILD_DIR) \
		--cache-dir .aws-sam/gates-cache
