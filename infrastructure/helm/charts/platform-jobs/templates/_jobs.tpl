{{/* One CronJob of this chart. Call with a dict:
  ctx        the chart's root context ($)
  name       object name
  component  app.kubernetes.io/component (import, backup, export)
  schedule   cron schedule;  timeZone  its zone
  job        dict of startingDeadlineSeconds, activeDeadlineSeconds, backoffLimit, successfulJobsHistoryLimit,
             failedJobsHistoryLimit
  args       the `openpolicy` arguments (list)
  resources  container resources
  env        extra container env (YAML list as a string, may be empty)
  volumes, volumeMounts  extra volumes / mounts (YAML lists as strings, may be empty)
  extraLabels  labels added to the CronJob, its Jobs and pods (dict, may be empty)
  redis      give the pods REDIS_URL (imports invalidate the api's cache; backup and export never use Redis)
Every run: concurrencyPolicy Forbid (a slow run is never doubled), a deadline, the Pod Security `restricted`
profile, no service account token, DATABASE_URL/REDIS_URL by reference. */}}
{{- define "platform-jobs.cronJob" -}}
{{- $ := .ctx -}}
{{- $labels := dict "ctx" $ "component" .component -}}
{{- $extra := .extraLabels | default dict -}}
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ .name }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "openpolicy.labels" $labels | nindent 4 }}
    {{- with $extra }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  schedule: {{ .schedule | quote }}
  timeZone: {{ .timeZone }}
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: {{ .job.startingDeadlineSeconds }}
  successfulJobsHistoryLimit: {{ .job.successfulJobsHistoryLimit }}
  failedJobsHistoryLimit: {{ .job.failedJobsHistoryLimit }}
  jobTemplate:
    metadata:
      labels:
        {{- include "openpolicy.labels" $labels | nindent 8 }}
        {{- with $extra }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      backoffLimit: {{ .job.backoffLimit }}
      activeDeadlineSeconds: {{ .job.activeDeadlineSeconds }}
      template:
        metadata:
          labels:
            {{- include "openpolicy.labels" $labels | nindent 12 }}
            {{- with $extra }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          annotations:
            checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") $ | sha256sum }}
        spec:
          restartPolicy: Never
          serviceAccountName: {{ include "openpolicy.serviceAccountName" $ }}
          {{- include "openpolicy.jobPodSpec" $ | nindent 10 }}
          containers:
            - name: {{ .component }}
              image: {{ include "openpolicy.image" $ | quote }}
              imagePullPolicy: {{ $.Values.image.pullPolicy }}
              command: ["openpolicy"]
              args: {{ toJson .args }}
              envFrom:
                - configMapRef:
                    name: {{ include "openpolicy.fullname" $ }}
              env:
                {{- include "openpolicy.databaseEnv" $ | nindent 16 }}
                {{- if .redis }}
                {{- include "openpolicy.redisEnv" $ | nindent 16 }}
                {{- end }}
                {{- with .env }}
                {{- . | nindent 16 }}
                {{- end }}
              resources:
                {{- toYaml .resources | nindent 16 }}
              securityContext:
                {{- include "openpolicy.containerSecurityContext" $ | nindent 16 }}
              volumeMounts:
                {{- include "openpolicy.tmpMount" $ | nindent 16 }}
                {{- with .volumeMounts }}
                {{- . | nindent 16 }}
                {{- end }}
          volumes:
            {{- include "openpolicy.tmpVolume" $ | nindent 12 }}
            {{- with .volumes }}
            {{- . | nindent 12 }}
            {{- end }}
{{- end -}}

{{/* The job settings of a values block (imports, backup, exports). */}}
{{- define "platform-jobs.jobSettings" -}}
{{- toYaml (pick . "startingDeadlineSeconds" "activeDeadlineSeconds" "backoffLimit" "successfulJobsHistoryLimit" "failedJobsHistoryLimit") -}}
{{- end -}}
