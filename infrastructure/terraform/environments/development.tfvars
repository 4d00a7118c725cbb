# terraform apply -var-file=environments/development.tfvars   (TF_VAR_database_url from the environment)
environment                   = "development"
kube_context                  = "kind-openpolicy"
pod_security_level            = "restricted"
image_repository_prefix       = "openpolicy/openpolicy"
helm_timeout_seconds          = 300
install_kube_prometheus_stack = true
install_cloudnative_pg        = false
