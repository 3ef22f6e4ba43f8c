{{/* Names and labels, as `iop operator init` gives them (lib/opmanifest.c). */}}

{{/* istio-operator, or istio-operator-<revision>. */}}
{{- define "iop.name" -}}
{{- if and .Values.revision (ne (toString .Values.revision) "default") -}}
istio-operator-{{ .Values.revision }}
{{- else -}}
istio-operator
{{- end -}}
{{- end -}}

{{/* The REVISION the operator serves: "" for none or "default". */}}
{{- define "iop.revision" -}}
{{- if and .Values.revision (ne (toString .Values.revision) "default") -}}
{{ .Values.revision }}
{{- end -}}
{{- end -}}

{{/* operatorNamespace, else the release namespace unless it is "default",
     else istio-operator (see values.yaml). */}}
{{- define "iop.namespace" -}}
{{- if .Values.operatorNamespace -}}
{{ .Values.operatorNamespace }}
{{- else if ne .Release.Namespace "default" -}}
{{ .Release.Namespace }}
{{- else -}}
istio-operator
{{- end -}}
{{- end -}}

{{/* WATCH_NAMESPACE: a comma list; "" is every namespace. */}}
{{- define "iop.watchedNamespaces" -}}
{{- if kindIs "slice" .Values.watchedNamespaces -}}
{{ join "," .Values.watchedNamespaces }}
{{- else if not (kindIs "invalid" .Values.watchedNamespaces) -}}
{{ .Values.watchedNamespaces }}
{{- end -}}
{{- end -}}

{{/* deploy/'s labels, and Helm's. */}}
{{- define "iop.labels" -}}
app.kubernetes.io/name: iop
app.kubernetes.io/part-of: iop
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | quote }}
{{- end -}}
