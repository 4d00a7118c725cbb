# Provider pins. helm is on its v3 major: `kubernetes = { ... }` is an attribute of the provider and `set` is a
# list of objects (the v2 nested blocks are gone); kubernetes stays on 2.x as the rest of the stack expects.
terraform {
  required_version = ">= 1.6.0"

  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.38"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
  }
}
