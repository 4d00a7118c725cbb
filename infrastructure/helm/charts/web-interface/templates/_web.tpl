{{- define "web-interface.apiUrl" -}}
{{- .Values.apiUrl | default (printf "http://%s-api-service:8000" .Release.Name) -}}
{{- end -}}
