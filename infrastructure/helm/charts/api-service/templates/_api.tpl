{{/* api-service specifics: where DATABASE_URL and REDIS_URL come from, shared env of the app and its jobs. */}}

{{- define "api-service.databaseSecret" -}}
{{- if .Values.cnpg.enabled -}}
{{- printf "%s-pg-app" (include "openpolicy.fullname" .) -}}
{{- else if .Values.externalSecret.enabled -}}
{{- printf "%s-secrets" (include "openpolicy.fullname" .) -}}
{{- else -}}
{{- required "database.existingSecret is required (a Secret with DATABASE_URL), unless cnpg.enabled or externalSecret.enabled" .Values.database.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "api-service.databaseSecretKey" -}}
{{- if .Values.cnpg.enabled -}}uri{{- else if .Values.externalSecret.enabled -}}DATABASE_URL{{- else -}}{{ .Values.database.secretKey }}{{- end -}}
{{- end -}}

{{/* DATABASE_URL and REDIS_URL (secret references only; values never pass through the chart). */}}
{{- define "api-service.secretEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "api-service.databaseSecret" . }}
      key: {{ include "api-service.databaseSecretKey" . }}
{{- if .Values.redis.inCluster.enabled }}
- name: REDIS_URL
  value: {{ printf "redis://%s-redis:6379/0" (include "openpolicy.fullname" .) | quote }}
{{- else if .Values.redis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.existingSecret }}
      key: {{ .Values.redis.secretKey }}
{{- else if and .Values.externalSecret.enabled .Values.externalSecret.redisUrlKey }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ printf "%s-secrets" (include "openpolicy.fullname" .) }}
      key: REDIS_URL
{{- end }}
{{- end -}}

{{/* Pod spec fields shared by the migration Job, the CronJobs and the test pod. */}}
{{- define "api-service.jobPodSpec" -}}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- include "openpolicy.podSecurityContext" . | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy egress rules to PostgreSQL and Redis. */}}
{{- define "api-service.postgresEgress" -}}
- to:
    {{- if .Values.cnpg.enabled }}
    - podSelector:
        matchLabels:
          cnpg.io/cluster: {{ include "openpolicy.fullname" . }}-pg
    {{- else }}
    {{- toYaml .Values.networkPolicy.postgresql | nindent 4 }}
    {{- end }}
  ports:
    - port: {{ .Values.networkPolicy.postgresqlPort }}
      protocol: TCP
{{- end }}
{{- define "api-service.redisEgress" -}}
{{- if .Values.redis.inCluster.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "openpolicy.selectorLabels" (dict "ctx" . "component" "redis") | nindent 10 }}
  ports:
    - port: 6379
      protocol: TCP
{{- else if or .Values.redis.existingSecret .Values.externalSecret.redisUrlKey }}
- to:
    {{- toYaml .Values.networkPolicy.redis | nindent 4 }}
  ports:
    - port: {{ .Values.networkPolicy.redisPort }}
      protocol: TCP
{{- end }}
{{- end }}
