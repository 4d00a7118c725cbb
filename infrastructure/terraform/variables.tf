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
  description = "Helm release name of the platform (the ops CLI and dashboards expect openpolicy)."
  type        = string
  default     = "openpolicy"
}

variable "image_registry" {
  description = "Registry of the platform images."
  type        = string
  default     = "ghcr.io"
}

variable "image_repository_prefix" {
  description = "Repository prefix of the images: <prefix>/api-service and <prefix>/web-interface."
  type        = string
  default     = "openpolicy/openpolicy"
}

variable "api_image_digest" {
  description = "Digest of the api-service image to run (sha256:...). Empty: the chart's tag (development only)."
  type        = string
  default     = ""

  validation {
    condition     = var.api_image_digest == "" || can(regex("^sha256:[0-9a-f]{64}$", var.api_image_digest))
    error_message = "api_image_digest must be empty or sha256:<64 hex digits>."
  }
}

variable "web_image_digest" {
  description = "Digest of the web-interface image to run (sha256:...). Empty: the chart's tag (development only)."
  type        = string
  default     = ""

  validation {
    condition     = var.web_image_digest == "" || can(regex("^sha256:[0-9a-f]{64}$", var.web_image_digest))
    error_message = "web_image_digest must be empty or sha256:<64 hex digits>."
  }
}

variable "database_url" {
  description = "DATABASE_URL of the platform (postgresql://...). Give it through TF_VAR_database_url, never in a file."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^postgres(ql)?(\\+[a-z0-9]+)?://", var.database_url))
    error_message = "database_url must be a postgresql:// URL."
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

variable "helm_timeout_seconds" {
  description = "How long helm waits for the release to become ready before rolling it back."
  type        = number
  default     = 600

  validation {
    condition     = var.helm_timeout_seconds >= 60 && var.helm_timeout_seconds <= 3600
    error_message = "helm_timeout_seconds must be between 60 and 3600."
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
