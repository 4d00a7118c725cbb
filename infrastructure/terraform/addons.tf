# Cluster operators from their official chart repositories, version-pinned. These are the only Helm releases
# Terraform owns; the platform's own release belongs to `openpolicy deploy`.

# Prometheus Operator + Prometheus + Alertmanager: the platform's ServiceMonitors and PrometheusRules need its CRDs.
resource "helm_release" "kube_prometheus_stack" {
  count = var.install_kube_prometheus_stack ? 1 : 0

  name             = "kube-prometheus-stack"
  repository       = "https://prometheus-community.github.io/helm-charts"
  chart            = "kube-prometheus-stack"
  version          = var.kube_prometheus_stack_version
  namespace        = "monitoring"
  create_namespace = true
  atomic           = true
  timeout          = 900

  set = [
    # discover ServiceMonitors/PrometheusRules of every release, not only this chart's own
    { name = "prometheus.prometheusSpec.serviceMonitorSelectorNilUsesHelmValues", value = "false" },
    { name = "prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues", value = "false" },
  ]
}

# CloudNativePG operator: PostgreSQL clusters in Kubernetes (used when the values enable cnpg).
resource "helm_release" "cloudnative_pg" {
  count = var.install_cloudnative_pg ? 1 : 0

  name             = "cnpg"
  repository       = "https://cloudnative-pg.github.io/charts"
  chart            = "cloudnative-pg"
  version          = var.cloudnative_pg_version
  namespace        = "cnpg-system"
  create_namespace = true
  atomic           = true
  timeout          = 600
}

# External Secrets Operator: fills the chart's ExternalSecret (global.database.source / global.redis.source
# externalSecret) from a secret store, so DATABASE_URL never passes through Terraform state.
resource "helm_release" "external_secrets" {
  count = var.install_external_secrets ? 1 : 0

  name             = "external-secrets"
  repository       = "https://charts.external-secrets.io"
  chart            = "external-secrets"
  version          = var.external_secrets_version
  namespace        = "external-secrets"
  create_namespace = true
  atomic           = true
  timeout          = 600
}
