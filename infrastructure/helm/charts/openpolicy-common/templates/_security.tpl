{{/* Pod Security "restricted" profile: the app images run as uid/gid 10001 with a read-only root. */}}

{{- define "openpolicy.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "openpolicy.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The writable /tmp of a read-only root filesystem. */}}
{{- define "openpolicy.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{- define "openpolicy.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Drain: the app finishes in-flight requests for SHUTDOWN_GRACE_SECONDS after SIGTERM, which comes after
     the preStop pause (endpoints removed first); the kubelet must wait longer than both. */}}
{{- define "openpolicy.terminationGracePeriodSeconds" -}}
{{- add (int (ceil .Values.shutdown.graceSeconds)) .Values.shutdown.preStopSeconds .Values.shutdown.marginSeconds -}}
{{- end -}}
