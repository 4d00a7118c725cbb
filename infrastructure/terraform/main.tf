# The platform on an existing cluster: its namespace (Pod Security labels), the Secrets the chart reads, and the
# umbrella chart from this repository with the environment's values. The chart is the single definition of the
# workloads; nothing here duplicates it.

locals {
  chart_path  = "${path.module}/../helm/charts/openpolicy-platform"
  values_file = "${path.module}/../helm/values/${var.environment}.yaml"
  labels = {
    "app.kubernetes.io/part-of"    = "openpolicy"
    "app.kubernetes.io/managed-by" = "terraform"
    "openpolicy.io/environment"    = var.environment
  }
  image_settings = concat(
    [
      { name = "api-service.image.registry", value = var.image_registry },
      { name = "api-service.image.repository", value = "${var.image_repository_prefix}/api-service" },
      { name = "web-interface.image.registry", value = var.image_registry },
      { name = "web-interface.image.repository", value = "${var.image_repository_prefix}/web-interface" },
    ],
    var.api_image_digest == "" ? [] : [{ name = "api-service.image.digest", value = var.api_image_digest }],
    var.web_image_digest == "" ? [] : [{ name = "web-interface.image.digest", value = var.web_image_digest }],
  )
}

resource "kubernetes_namespace_v1" "platform" {
  metadata {
    name = var.namespace
    labels = merge(local.labels, {
      "pod-security.kubernetes.io/enforce"         = var.pod_security_level
      "pod-security.kubernetes.io/enforce-version" = "latest"
      "pod-security.kubernetes.io/audit"           = "restricted"
      "pod-security.kubernetes.io/warn"            = "restricted"
    })
  }
}

# The chart reads DATABASE_URL and REDIS_URL from these Secrets (database.existingSecret / redis.existingSecret in
# infrastructure/helm/values/*.yaml). The values come from sensitive variables, never from a file in the repo.
resource "kubernetes_secret_v1" "database" {
  metadata {
    name      = "openpolicy-database"
    namespace = kubernetes_namespace_v1.platform.metadata[0].name
    labels    = local.labels
  }
  data = {
    DATABASE_URL = var.database_url
  }
  type = "Opaque"
}

resource "kubernetes_secret_v1" "redis" {
  count = var.redis_url == "" ? 0 : 1

  metadata {
    name      = "openpolicy-redis"
    namespace = kubernetes_namespace_v1.platform.metadata[0].name
    labels    = local.labels
  }
  data = {
    REDIS_URL = var.redis_url
  }
  type = "Opaque"
}

resource "helm_release" "platform" {
  name             = var.release_name
  namespace        = kubernetes_namespace_v1.platform.metadata[0].name
  chart            = local.chart_path
  create_namespace = false
  values           = [file(local.values_file)]
  set              = local.image_settings

  atomic          = true # roll back a release that does not become ready
  wait            = true
  cleanup_on_fail = true
  timeout         = var.helm_timeout_seconds
  max_history     = 20

  depends_on = [
    kubernetes_secret_v1.database,
    kubernetes_secret_v1.redis,
    helm_release.kube_prometheus_stack,
    helm_release.cloudnative_pg,
  ]
}
