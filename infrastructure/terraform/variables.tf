variable "environment" {
  description = "Which environment this is: selects infrastructure/helm/values/<environment>.yaml."
  type        = string

  validation {
    condition     = contains(["development", "staging", "production"], var.environment)
    error_message = "environment must be development, staging or production."
  }
}

variable "kubeconfig_path" {
  description = "kubeconfig file used by the kubernetes and helm providers."
  type        = string
  default     = "~/.kube/config"
}

variable "kube_context" {
  description = "kubeconfig context of the environment's cluster."
  type        = string

  validation {
    condition     = length(var.kube_context) > 0
    error_message = "kube_context must name a kubeconfig context (no implicit current context)."
  }
}

variable "namespace" {
  description = "Namespace of the platform (fixed by the design: openpolicy)."
  type        = string
  default     = "openpolicy"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS-1123 label."
  }
}

variable "pod_security_level" {
  description = "Pod Security Standard enforced, audited and warned on the namespace."
  type        = string
  default     = "restricted"

  validation {
    condition     = contains(["restricted", "baseline"], var.pod_security_level)
    error_message = "pod_security_level must be restricted or baseline (privileged is never acceptable here)."
  }
}

variable "release_name" {
  description = "Helm release name of the platform, installed by `openpolicy deploy` (reported in the outputs only)."
  type        = string
  default     = "openpolicy"

  validation {
    condition     = var.release_name == "openpolicy"
    error_message = "release_name must be openpolicy: the ops CLI, dashboards and rules expect it."
  }
}

variable "database_url" {
  description = "DATABASE_URL of the platform (postgresql://...), through TF_VAR_database_url, never in a file. Empty: the Secret is not managed here (External Secrets or CloudNativePG provide it)."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = var.database_url == "" || can(regex("^postgres(ql)?(\\+[a-z0-9]+)?://", var.database_url))
    error_message = "database_url must be empty or a postgresql:// URL."
  }
}

variable "redis_url" {
  description = "REDIS_URL (redis://...), optional: empty means no Redis (the api degrades, it never fails)."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = var.redis_url == "" || can(regex("^rediss?://", var.redis_url))
    error_message = "redis_url must be empty or a redis:// / rediss:// URL."
  }
}

variable "webhook_secrets_key" {
  description = "WEBHOOK_SECRETS_KEY of the api and the notifier (at least 32 random characters), through TF_VAR_webhook_secrets_key. Empty: not managed here."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = var.webhook_secrets_key == "" || length(var.webhook_secrets_key) >= 32
    error_message = "webhook_secrets_key must be empty or at least 32 characters."
  }
}

variable "install_kube_prometheus_stack" {
  description = "Also install kube-prometheus-stack (Prometheus Operator, Prometheus, Alertmanager) from prometheus-community."
  type        = bool
  default     = false
}

variable "kube_prometheus_stack_version" {
  description = "Chart version of kube-prometheus-stack."
  type        = string
  default     = "77.5.0"
}

variable "install_cloudnative_pg" {
  description = "Also install the CloudNativePG operator (for values with cnpg.enabled)."
  type        = bool
  default     = false
}

variable "cloudnative_pg_version" {
  description = "Chart version of the CloudNativePG operator."
  type        = string
  default     = "0.26.0"
}

variable "install_external_secrets" {
  description = "Also install the External Secrets Operator (for values with a global source externalSecret)."
  type        = bool
  default     = false
}

variable "external_secrets_version" {
  description = "Chart version of the External Secrets Operator."
  type        = string
  default     = "0.19.2"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.external_secrets_version))
    error_message = "external_secrets_version must be a chart version like 0.19.2."
  }
}
