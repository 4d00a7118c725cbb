# Monitoring area: Prometheus rules/tests, Alertmanager config, dashboards (issue 7).
APT_PACKAGES += prometheus prometheus-alertmanager prometheus-node-exporter prometheus-postgres-exporter prometheus-redis-exporter prometheus-blackbox-exporter
