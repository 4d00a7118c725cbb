# Cluster-level things the platform's release needs before it exists: its namespace (Pod Security labels) and the
# Secrets the chart reads. The release itself (the umbrella chart) has exactly one owner, `openpolicy deploy ENV`
# (helm upgrade --install, images by digest, rollout and smoke test, rollback on failure): Terraform never installs,
# upgrades or records it, so no `terraform apply` can undo a deploy or run an image by tag.

locals {
  labels = {
    "app.kubernetes.io/part-of"    = "openpolicy"
    "app.kubernetes.io/managed-by" = "terraform"
    "openpolicy.io/environment"    = var.environment
  }
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

# The chart reads DATABASE_URL and REDIS_URL from these Secrets (global.database.existingSecret /
# global.redis.existingSecret in infrastructure/helm/values/*.yaml). The values come from sensitive variables, never
# from a file in the repo. With External Secrets (install_external_secrets and global.*.source externalSecret) the
# chart's ExternalSecret fills its own Secret instead, and these variables stay empty.
resource "kubernetes_secret_v1" "database" {
  count = var.database_url == "" ? 0 : 1

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

# WEBHOOK_SECRETS_KEY of the api and the notifier (global.webhooks.existingSecret): encrypts the webhook signing
# secrets at rest. Losing it makes every subscription's secret unreadable: keep it in the secret store it came from.
resource "kubernetes_secret_v1" "webhooks" {
  count = var.webhook_secrets_key == "" ? 0 : 1

  metadata {
    name      = "openpolicy-webhooks"
    namespace = kubernetes_namespace_v1.platform.metadata[0].name
    labels    = local.labels
  }
  data = {
    WEBHOOK_SECRETS_KEY = var.webhook_secrets_key
  }
  type = "Opaque"
}
