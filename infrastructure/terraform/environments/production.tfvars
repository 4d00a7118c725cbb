# terraform apply -var-file=environments/production.tfvars   (TF_VAR_database_url, TF_VAR_redis_url from the environment)
# The image digests come from the deploy pipeline: -var api_image_digest=sha256:... -var web_image_digest=sha256:...
environment                   = "production"
kube_context                  = "openpolicy-production"
pod_security_level            = "restricted"
image_repository_prefix       = "openpolicy/openpolicy"
helm_timeout_seconds          = 900
install_kube_prometheus_stack = true
install_cloudnative_pg        = false
