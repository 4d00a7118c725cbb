{{/* api-service specifics: the container env of the app and its migration Job. */}}

{{/* DATABASE_URL, REDIS_URL and WEBHOOK_SECRETS_KEY by reference, and EXPORT_DIR etc. when exports are on. */}}
{{- define "api-service.env" -}}
{{- include "openpolicy.dataEnv" . }}
{{ include "openpolicy.webhooksEnv" . }}
{{- include "openpolicy.exportsEnv" . }}
{{- end -}}

{{/* The api reads the export folder only when exports live on the shared claim (with object storage it reads the
     bucket). */}}
{{- define "api-service.exportsOnVolume" -}}
{{- $e := include "openpolicy.exports" . | fromYaml -}}
{{- if and $e.enabled (eq ($e.storage | default "volume") "volume") }}true{{ end -}}
{{- end -}}
