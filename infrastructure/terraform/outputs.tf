output "namespace" {
  description = "Namespace of the platform."
  value       = kubernetes_namespace_v1.platform.metadata[0].name
}

output "release_name" {
  description = "Helm release of the platform (`openpolicy status ENV` reads it)."
  value       = helm_release.platform.name
}

output "release_revision" {
  description = "Revision of the platform release after this apply."
  value       = helm_release.platform.metadata.revision
}

output "chart_version" {
  description = "Version of the umbrella chart installed."
  value       = helm_release.platform.metadata.version
}

output "database_secret" {
  description = "Name of the Secret holding DATABASE_URL (the value itself is never output)."
  value       = kubernetes_secret_v1.database.metadata[0].name
}

output "addons" {
  description = "Optional add-ons installed."
  value = {
    kube_prometheus_stack = var.install_kube_prometheus_stack
    cloudnative_pg        = var.install_cloudnative_pg
  }
}
