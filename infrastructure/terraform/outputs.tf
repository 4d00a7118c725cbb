output "namespace" {
  description = "Namespace of the platform (the release goes there with `openpolicy deploy ENV`)."
  value       = kubernetes_namespace_v1.platform.metadata[0].name
}

output "release_name" {
  description = "Helm release `openpolicy deploy ENV` installs into the namespace (Terraform does not manage it)."
  value       = var.release_name
}

output "deploy_command" {
  description = "The one way the release is installed and upgraded."
  value       = "openpolicy deploy ${var.environment} --image-digest api=sha256:... --image-digest web=sha256:..."
}

output "database_secret" {
  description = "Name of the Secret holding DATABASE_URL (the value itself is never output); null when not managed here."
  value       = one(kubernetes_secret_v1.database[*].metadata[0].name)
}

output "redis_secret" {
  description = "Name of the Secret holding REDIS_URL; null when not managed here."
  value       = one(kubernetes_secret_v1.redis[*].metadata[0].name)
}

output "webhooks_secret" {
  description = "Name of the Secret holding WEBHOOK_SECRETS_KEY; null when not managed here."
  value       = one(kubernetes_secret_v1.webhooks[*].metadata[0].name)
}

output "addons" {
  description = "Cluster operators installed."
  value = {
    kube_prometheus_stack = var.install_kube_prometheus_stack
    cloudnative_pg        = var.install_cloudnative_pg
    external_secrets      = var.install_external_secrets
  }
}
