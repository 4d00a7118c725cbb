# terraform apply -var-file=environments/development.tfvars
# Development runs PostgreSQL (CloudNativePG) and Valkey in the cluster: no DATABASE_URL/REDIS_URL Secrets here.
# Then: openpolicy deploy development (images by tag allowed in development only).
environment                   = "development"
kube_context                  = "kind-openpolicy"
pod_security_level            = "restricted"
install_kube_prometheus_stack = true
install_cloudnative_pg        = true
install_external_secrets      = false
