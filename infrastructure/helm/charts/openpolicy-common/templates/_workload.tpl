{{/*
Workload objects of an app chart. Call with a dict:
  ctx        the app chart's root context ($)
  component  app.kubernetes.io/component (api, web)
  args       the `openpolicy` arguments (list), e.g. (list "serve" "api")
  env        extra container env (YAML list as a string, may be empty)
  checksum   sha256 of the chart's ConfigMap (rolls the pods when config changes)
  volumes, volumeMounts  extra pod volumes / container mounts (YAML lists as strings, optional)
*/}}
{{- define "openpolicy.deployment" -}}
{{- $args := . -}}
{{- $ := .ctx -}}
{{- $v := $.Values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "openpolicy.fullname" $ }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "openpolicy.labels" . | nindent 4 }}
spec:
  {{- if not $v.autoscaling.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  revisionHistoryLimit: {{ $v.revisionHistoryLimit }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: {{ $v.rollingUpdate.maxSurge }}
      maxUnavailable: {{ $v.rollingUpdate.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "openpolicy.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "openpolicy.labels" . | nindent 8 }}
      annotations:
        checksum/config: {{ .checksum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "openpolicy.serviceAccountName" $ }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "openpolicy.podSecurityContext" $ | nindent 8 }}
      terminationGracePeriodSeconds: {{ include "openpolicy.terminationGracePeriodSeconds" $ }}
      {{- with $v.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- with $v.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $v.topologySpread.enabled }}
      topologySpreadConstraints:
        {{- range $key := list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
        - maxSkew: {{ $v.topologySpread.maxSkew }}
          topologyKey: {{ $key }}
          whenUnsatisfiable: {{ $v.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "openpolicy.selectorLabels" $args | nindent 14 }}
        {{- end }}
      {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $.Chart.Name }}
          image: {{ include "openpolicy.image" $ | quote }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          command: ["openpolicy"]
          args: {{ toJson .args }}
          ports:
            - name: http
              containerPort: {{ $v.service.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "openpolicy.fullname" $ }}
          {{- with .env }}
          env:
            {{- . | nindent 12 }}
          {{- end }}
          {{- include "openpolicy.probes" $ | nindent 10 }}
          lifecycle:
            # the kubelet's own sleep (Kubernetes >= 1.30): the images have no `sleep` binary (no coreutils)
            preStop:
              sleep:
                seconds: {{ $v.shutdown.preStopSeconds }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "openpolicy.containerSecurityContext" $ | nindent 12 }}
          volumeMounts:
            {{- include "openpolicy.tmpMount" $ | nindent 12 }}
            {{- with .volumeMounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "openpolicy.tmpVolume" $ | nindent 8 }}
        {{- with .volumes }}
        {{- . | nindent 8 }}
        {{- end }}
{{- end -}}

{{- define "openpolicy.service" -}}
{{- $ := .ctx -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "openpolicy.fullname" $ }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "openpolicy.labels" . | nindent 4 }}
  {{- with $.Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $.Values.service.type }}
  selector:
    {{- include "openpolicy.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ $.Values.service.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{- define "openpolicy.serviceAccount" -}}
{{- $ := .ctx -}}
{{- if $.Values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "openpolicy.serviceAccountName" $ }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "openpolicy.labels" . | nindent 4 }}
  {{- with $.Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end }}
{{- end -}}

{{- define "openpolicy.hpa" -}}
{{- $ := .ctx -}}
{{- if $.Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "openpolicy.fullname" $ }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "openpolicy.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "openpolicy.fullname" $ }}
  minReplicas: {{ $.Values.autoscaling.minReplicas }}
  maxReplicas: {{ $.Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $.Values.autoscaling.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $.Values.autoscaling.targetMemoryUtilizationPercentage }}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: {{ $.Values.autoscaling.scaleDownStabilizationSeconds }}
{{- end }}
{{- end -}}

{{- define "openpolicy.pdb" -}}
{{- $ := .ctx -}}
{{- if $.Values.podDisruptionBudget.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "openpolicy.fullname" $ }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "openpolicy.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $.Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "openpolicy.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* The public Ingress of an app chart, and what the edge adds to it:
  - HSTS (ingress.hsts, with TLS): ingress-nginx's `custom-headers` annotation names a ConfigMap of response headers
    (the controller must list Strict-Transport-Security in its `global-allowed-response-headers`);
  - ingress.blockedPaths (e.g. /metrics, /health): a second Ingress for the same host whose paths every client is
    refused (`denylist-source-range` of every address, 403). Prometheus and the kubelet reach those paths on the
    Service and the pods directly, never through the edge. */}}
{{- define "openpolicy.ingress" -}}
{{- $args := . -}}
{{- $ := .ctx -}}
{{- $ing := $.Values.ingress -}}
{{- if $ing.enabled }}
{{- $fullname := include "openpolicy.fullname" $ }}
{{- $host := required "ingress.host is required when ingress.enabled" $ing.host }}
{{- $hsts := and $ing.tls.enabled $ing.hsts.enabled }}
{{- $annotations := $ing.annotations | default dict | deepCopy }}
{{- if $hsts }}
{{- $_ := set $annotations "nginx.ingress.kubernetes.io/custom-headers" (printf "%s/%s-response-headers" $.Release.Namespace $fullname) }}
{{- end }}
{{- if $ing.tls.enabled }}
{{- $_ := set $annotations "nginx.ingress.kubernetes.io/force-ssl-redirect" "true" }}
{{- end }}
{{- range $i, $set := list (dict "suffix" "" "paths" $ing.paths "blocked" false) (dict "suffix" "-internal" "paths" $ing.blockedPaths "blocked" true) }}
{{- if $set.paths }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ $fullname }}{{ $set.suffix }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "openpolicy.labels" $args | nindent 4 }}
  {{- $a := $annotations | deepCopy }}
  {{- if $set.blocked }}
  {{- $_ := set $a "nginx.ingress.kubernetes.io/denylist-source-range" "0.0.0.0/0,::/0" }}
  {{- end }}
  {{- with $a }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with $ing.className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- if $ing.tls.enabled }}
  tls:
    - hosts:
        - {{ $host | quote }}
      secretName: {{ required "ingress.tls.secretName is required when ingress.tls.enabled" $ing.tls.secretName }}
  {{- end }}
  rules:
    - host: {{ $host | quote }}
      http:
        paths:
          {{- range $set.paths }}
          - path: {{ . }}
            pathType: Prefix
            backend:
              service:
                name: {{ $fullname }}
                port:
                  name: http
          {{- end }}
{{- end }}
{{- end }}
{{- if $hsts }}
---
# Response headers the ingress controller adds to every answer of this host (custom-headers annotation above).
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $fullname }}-response-headers
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "openpolicy.labels" $args | nindent 4 }}
data:
  Strict-Transport-Security: {{ printf "max-age=%d%s%s" (int $ing.hsts.maxAgeSeconds) (ternary "; includeSubDomains" "" $ing.hsts.includeSubDomains) (ternary "; preload" "" $ing.hsts.preload) | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy ingress rule letting Prometheus scrape the metrics port. */}}
{{- define "openpolicy.networkPolicy.prometheusIngress" -}}
{{- $np := .Values.networkPolicy -}}
- from:
    - namespaceSelector:
        matchLabels:
          {{- toYaml $np.prometheus.namespaceLabels | nindent 10 }}
      podSelector:
        matchLabels:
          {{- toYaml $np.prometheus.podLabels | nindent 10 }}
  ports:
    - port: http
      protocol: TCP
{{- end -}}

{{/* NetworkPolicy ingress rule for the ingress controller. */}}
{{- define "openpolicy.networkPolicy.ingressControllerIngress" -}}
{{- $np := .Values.networkPolicy -}}
- from:
    - namespaceSelector:
        matchLabels:
          {{- toYaml $np.ingressController.namespaceLabels | nindent 10 }}
      podSelector:
        matchLabels:
          {{- toYaml $np.ingressController.podLabels | nindent 10 }}
  ports:
    - port: http
      protocol: TCP
{{- end -}}

{{/* NetworkPolicy egress rule for cluster DNS. */}}
{{- define "openpolicy.networkPolicy.dnsEgress" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/* NetworkPolicy egress rule to the OpenTelemetry collector (only when traces are exported). */}}
{{- define "openpolicy.networkPolicy.otlpEgress" -}}
{{- if .Values.otel.enabled }}
- to:
    - namespaceSelector:
        matchLabels:
          {{- toYaml .Values.networkPolicy.otelCollector.namespaceLabels | nindent 10 }}
  ports:
    - port: {{ .Values.networkPolicy.otelCollector.port }}
      protocol: TCP
{{- end }}
{{- end -}}
