# Monitoring area (issue 7): Prometheus rules and rule tests, Alertmanager config and routing tests, dashboards
# as code, log shipping config. `make test` runs the same checks through tests/infra/test_monitoring_*.py and
# the live test tests/e2e/test_monitoring_live.py (real Prometheus, Alertmanager and exporters on loopback).
APT_PACKAGES += prometheus prometheus-alertmanager prometheus-node-exporter prometheus-postgres-exporter \
  prometheus-redis-exporter prometheus-blackbox-exporter

MONITORING_DIR := infrastructure/monitoring

.PHONY: monitoring-generate monitoring-check

monitoring-generate: install ## regenerate SLO rules (from slo/slo.yml) and Grafana dashboards (JSON)
	$(BIN)/python -m tools.slo
	$(BIN)/python -m tools.dashboards

monitoring-check: install system-deps ## drift checks, promtool check/test rules, amtool check-config and route tests
	$(BIN)/python -m tools.slo --check
	$(BIN)/python -m tools.dashboards --check
	promtool check rules $(MONITORING_DIR)/prometheus/rules/*.rules.yml
	promtool test rules $(MONITORING_DIR)/prometheus/tests/*.test.yml
	amtool check-config $(MONITORING_DIR)/alertmanager/alertmanager.yml
	$(BIN)/pytest -q tests/infra/test_monitoring_rules.py tests/infra/test_monitoring_alertmanager.py \
	  tests/infra/test_monitoring_dashboards.py tests/infra/test_monitoring_logging.py
