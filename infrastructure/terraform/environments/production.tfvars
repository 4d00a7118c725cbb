# terraform apply -var-file=environments/production.tfvars   (TF_VAR_database_url, TF_VAR_redis_url from the environment)
# Terraform makes the namespace, the Secrets and the operators; the release is `openpolicy deploy production
# --image-digest api=sha256:... --image-digest web=sha256:...` (the deploy workflow).
environment                   = "production"
kube_context                  = "openpolicy-production"
pod_security_level            = "restricted"
install_kube_prometheus_stack = true
install_cloudnative_pg        = false
install_external_secrets      = false
