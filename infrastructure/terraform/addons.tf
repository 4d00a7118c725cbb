# Optional cluster add-ons from their official chart repositories, version-pinned.

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
