{{/* Where DATABASE_URL and REDIS_URL come from, for every chart whose pods use them (api-service, notifier,
platform-jobs). The umbrella chart owns the data stores and says which source is used in Helm's `global`:

  global.database.source  existingSecret (a Secret made beforehand: global.database.existingSecret/secretKey)
                          | cnpg (the umbrella's CloudNativePG Cluster; its operator writes <prefix>-pg-app, key uri)
                          | externalSecret (the umbrella's ExternalSecret fills <prefix>-secrets)
  global.redis.source     none | existingSecret | valkey (the umbrella's Valkey, password in <prefix>-redis-auth)
                          | externalSecret

Values never pass through a chart: the pods get secret references only. */}}

{{- define "openpolicy.databaseSource" -}}
{{- ((.Values.global | default dict).database | default dict).source | default "existingSecret" -}}
{{- end -}}

{{- define "openpolicy.redisSource" -}}
{{- ((.Values.global | default dict).redis | default dict).source | default "none" -}}
{{- end -}}

{{/* The Secret and key holding DATABASE_URL, as "name key". */}}
{{- define "openpolicy.databaseSecretRef" -}}
{{- $db := (.Values.global | default dict).database | default dict -}}
{{- $source := include "openpolicy.databaseSource" . -}}
{{- if eq $source "cnpg" -}}
{{- printf "%s-pg-app uri" (include "openpolicy.dataPrefix" .) -}}
{{- else if eq $source "externalSecret" -}}
{{- printf "%s-secrets DATABASE_URL" (include "openpolicy.dataPrefix" .) -}}
{{- else if eq $source "existingSecret" -}}
{{- printf "%s %s" ($db.existingSecret | default "openpolicy-database") ($db.secretKey | default "DATABASE_URL") -}}
{{- else -}}
{{- fail (printf "global.database.source %q: expected existingSecret, cnpg or externalSecret" $source) -}}
{{- end -}}
{{- end -}}

{{/* Container env: DATABASE_URL and REDIS_URL by reference. */}}
{{- define "openpolicy.dataEnv" -}}
{{- include "openpolicy.databaseEnv" . }}
{{- include "openpolicy.redisEnv" . }}
{{- end -}}

{{/* Container env: DATABASE_URL by reference (pods that never use Redis: notifier, backup, export). */}}
{{- define "openpolicy.databaseEnv" -}}
{{- $db := splitList " " (include "openpolicy.databaseSecretRef" .) -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ index $db 0 }}
      key: {{ index $db 1 }}
{{- end -}}

{{/* Container env: REDIS_URL by reference (nothing when global.redis.source is none). */}}
{{- define "openpolicy.redisEnv" -}}
{{- $redis := (.Values.global | default dict).redis | default dict -}}
{{- $prefix := include "openpolicy.dataPrefix" . -}}
{{- $rsource := include "openpolicy.redisSource" . -}}
{{- if eq $rsource "valkey" }}
# the password is referenced, then spelled into the URL by the kubelet ($(VAR) expansion), never by the chart
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $prefix }}-redis-auth
      key: password
- name: REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s-redis:6379/0" $prefix | quote }}
{{- else if eq $rsource "existingSecret" }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "global.redis.existingSecret is required when global.redis.source is existingSecret" $redis.existingSecret }}
      key: {{ $redis.secretKey | default "REDIS_URL" }}
{{- else if eq $rsource "externalSecret" }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $prefix }}-secrets
      key: REDIS_URL
{{- else if ne $rsource "none" }}
{{- fail (printf "global.redis.source %q: expected none, existingSecret, valkey or externalSecret" $rsource) }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy egress to PostgreSQL: the umbrella's CloudNativePG pods, or networkPolicy.postgresql peers. */}}
{{- define "openpolicy.networkPolicy.postgresEgress" -}}
- to:
    {{- if eq (include "openpolicy.databaseSource" .) "cnpg" }}
    - podSelector:
        matchLabels:
          cnpg.io/cluster: {{ include "openpolicy.dataPrefix" . }}-pg
    {{- else }}
    {{- toYaml .Values.networkPolicy.postgresql | nindent 4 }}
    {{- end }}
  ports:
    - port: {{ .Values.networkPolicy.postgresqlPort }}
      protocol: TCP
{{- end -}}

{{/* NetworkPolicy egress to Redis (none when there is no Redis). */}}
{{- define "openpolicy.networkPolicy.redisEgress" -}}
{{- $rsource := include "openpolicy.redisSource" . -}}
{{- if eq $rsource "valkey" }}
- to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/instance: {{ .Release.Name }}
          app.kubernetes.io/component: redis
  ports:
    - port: 6379
      protocol: TCP
{{- else if ne $rsource "none" }}
- to:
    {{- toYaml .Values.networkPolicy.redis | nindent 4 }}
  ports:
    - port: {{ .Values.networkPolicy.redisPort }}
      protocol: TCP
{{- end }}
{{- end -}}

{{/* Pod spec fields shared by Jobs, CronJobs and test pods. */}}
{{- define "openpolicy.jobPodSpec" -}}
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

{{/* Bulk exports (global.exports, owned by the umbrella): the export CronJob writes them, the api lists and serves
them. storage "volume": one ReadWriteMany claim <prefix>-exports mounted by both; storage "s3": the job writes to a
scratch emptyDir and uploads, the api reads the bucket (EXPORT_S3_URL, credentials from a Secret). */}}
{{- define "openpolicy.exports" -}}
{{- toYaml ((.Values.global | default dict).exports | default dict) -}}
{{- end -}}

{{- define "openpolicy.exportsClaim" -}}
{{- $e := include "openpolicy.exports" . | fromYaml -}}
{{- $e.existingClaim | default (printf "%s-exports" (include "openpolicy.dataPrefix" .)) -}}
{{- end -}}

{{/* Container env of a pod that writes (job) or serves (api) exports; empty when exports are off. */}}
{{- define "openpolicy.exportsEnv" -}}
{{- $e := include "openpolicy.exports" . | fromYaml -}}
{{- if $e.enabled }}
- name: EXPORT_DIR
  value: {{ $e.mountPath | default "/exports" | quote }}
{{- if eq ($e.storage | default "volume") "s3" }}
- name: EXPORT_S3_URL
  value: {{ required "global.exports.s3.url is required when global.exports.storage is s3" ($e.s3 | default dict).url | quote }}
{{- with ($e.s3 | default dict).endpoint }}
- name: AWS_ENDPOINT_URL_S3
  value: {{ . | quote }}
{{- end }}
{{- with ($e.s3 | default dict).region }}
- name: AWS_REGION
  value: {{ . | quote }}
{{- end }}
{{- $secret := required "global.exports.s3.credentialsSecret is required when global.exports.storage is s3" ($e.s3 | default dict).credentialsSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: AWS_ACCESS_KEY_ID
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: AWS_SECRET_ACCESS_KEY
{{- end }}
{{- end }}
{{- end -}}

{{/* The exports volume (the shared claim, or a scratch emptyDir with object storage); readOnly for the api. */}}
{{- define "openpolicy.exportsVolume" -}}
{{- $e := include "openpolicy.exports" . | fromYaml -}}
{{- if $e.enabled }}
- name: exports
  {{- if eq ($e.storage | default "volume") "s3" }}
  emptyDir:
    sizeLimit: {{ $e.scratchSize | default "10Gi" }}
  {{- else }}
  persistentVolumeClaim:
    claimName: {{ include "openpolicy.exportsClaim" . }}
  {{- end }}
{{- end }}
{{- end -}}

{{- define "openpolicy.exportsMount" -}}
{{- $e := include "openpolicy.exports" .ctx | fromYaml -}}
{{- if $e.enabled }}
- name: exports
  mountPath: {{ $e.mountPath | default "/exports" }}
  readOnly: {{ .readOnly }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy egress to the exports' object store over HTTPS (only with global.exports.storage s3). */}}
{{- define "openpolicy.networkPolicy.objectStorageEgress" -}}
{{- $e := include "openpolicy.exports" . | fromYaml -}}
{{- if and $e.enabled (eq ($e.storage | default "volume") "s3") }}
- to:
    - ipBlock:
        cidr: {{ ($e.s3 | default dict).egressCidr | default "0.0.0.0/0" }}
  ports:
    - port: {{ ($e.s3 | default dict).port | default 443 }}
      protocol: TCP
{{- end }}
{{- end -}}

{{/* WEBHOOK_SECRETS_KEY (encrypts the webhook signing secrets at rest; the api and the notifier need the same one)
by reference. global.webhooks.source: existingSecret (made beforehand, e.g. by Terraform), generated (the umbrella
makes <prefix>-webhooks once with a random key and keeps it), externalSecret (the umbrella's ExternalSecret). */}}
{{- define "openpolicy.webhooksSource" -}}
{{- ((.Values.global | default dict).webhooks | default dict).source | default "existingSecret" -}}
{{- end -}}

{{- define "openpolicy.webhooksEnv" -}}
{{- $w := (.Values.global | default dict).webhooks | default dict -}}
{{- $source := include "openpolicy.webhooksSource" . -}}
- name: WEBHOOK_SECRETS_KEY
  valueFrom:
    secretKeyRef:
      {{- if eq $source "generated" }}
      name: {{ include "openpolicy.dataPrefix" . }}-webhooks
      key: WEBHOOK_SECRETS_KEY
      {{- else if eq $source "externalSecret" }}
      name: {{ include "openpolicy.dataPrefix" . }}-secrets
      key: WEBHOOK_SECRETS_KEY
      {{- else if eq $source "existingSecret" }}
      name: {{ $w.existingSecret | default "openpolicy-webhooks" }}
      key: {{ $w.secretKey | default "WEBHOOK_SECRETS_KEY" }}
      {{- else }}
      {{- fail (printf "global.webhooks.source %q: expected existingSecret, generated or externalSecret" $source) }}
      {{- end }}
{{- end -}}
