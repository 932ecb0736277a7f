{{- define "agentops.name" -}}agentops-operator{{- end -}}

{{- define "agentops.fullname" -}}
{{- if contains "agentops-operator" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-agentops-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "agentops.labels" -}}
app.kubernetes.io/name: {{ include "agentops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "agentops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "agentops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "agentops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "agentops.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The namespaces the operator manages agents in, one per line; empty when it watches all (clusterWide). */}}
{{- define "agentops.namespaces" -}}
{{- if and .Values.clusterWide .Values.watchNamespaces -}}
{{- fail "clusterWide=true watches every namespace: leave watchNamespaces empty, or set clusterWide=false to list them" -}}
{{- end -}}
{{- if not .Values.clusterWide -}}
{{- range (.Values.watchNamespaces | default (list .Release.Namespace)) }}
{{ . }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The namespaces where the operator may read notification receivers' Secrets, one per line. */}}
{{- define "agentops.secretNamespaces" -}}
{{- if .Values.clusterWide -}}
{{- range .Values.notifications.secretNamespaces }}
{{ . }}
{{- end -}}
{{- else if .Values.notifications.readSecrets -}}
{{- include "agentops.namespaces" . -}}
{{- end -}}
{{- end -}}
