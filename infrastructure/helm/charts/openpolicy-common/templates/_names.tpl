{{/* Names and labels shared by every Open Policy Platform chart. */}}

{{- define "openpolicy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "openpolicy.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "openpolicy.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels; call with (dict "ctx" $ "component" "api"). */}}
{{- define "openpolicy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "openpolicy.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels; call with (dict "ctx" $ "component" "api"). */}}
{{- define "openpolicy.labels" -}}
{{ include "openpolicy.selectorLabels" . }}
app.kubernetes.io/version: {{ (.ctx.Values.image | default dict).tag | default .ctx.Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/part-of: openpolicy-platform
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ include "openpolicy.chart" .ctx }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "openpolicy.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "openpolicy.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Image reference: registry/repository@digest, or :tag when no digest is given. With
     global.imageDigestRequired (staging, production) a missing digest stops the render: a release never falls back
     to a tag (a tag is mutable, and the chart's appVersion would roll production back to whatever it names). */}}
{{- define "openpolicy.image" -}}
{{- $repo := .Values.image.repository -}}
{{- if .Values.image.registry -}}{{- $repo = printf "%s/%s" .Values.image.registry $repo -}}{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repo .Values.image.digest -}}
{{- else if (.Values.global | default dict).imageDigestRequired -}}
{{- fail (printf "%s: image.digest is required (global.imageDigestRequired: this environment never runs an image by tag). Deploy with `openpolicy deploy ENV --image-digest api=sha256:... --image-digest web=sha256:...` (the release's one owner), or render with `openpolicy render ENV --image-digest ...`." .Chart.Name) -}}
{{- else -}}
{{- printf "%s:%s" $repo (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* Names of the release's data stores and of the jobs that run the api-service image. They keep the prefix the
     api-service chart gave them before they moved out of it: a renamed CloudNativePG Cluster would be a new, empty
     database, and a renamed backup claim would leave the backups behind. */}}
{{- define "openpolicy.dataPrefix" -}}
{{- printf "%s-api-service" .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
