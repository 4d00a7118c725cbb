# terraform apply -var-file=environments/staging.tfvars   (TF_VAR_database_url, TF_VAR_redis_url from the environment)
# The image digests come from the deploy pipeline: -var api_image_digest=sha256:... -var web_image_digest=sha256:...
environment                   = "staging"
kube_context                  = "openpolicy-staging"
pod_security_level            = "restricted"
image_repository_prefix       = "openpolicy/openpolicy"
helm_timeout_seconds          = 600
install_kube_prometheus_stack = true
install_cloudnative_pg        = false
