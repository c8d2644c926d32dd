/**
 * The chart's named templates (templates/_helpers.tpl), each written twice: in Go template for Helm, and in
 * TypeScript for `renderKubernetes`. The chart tests render both with real Helm and compare, so the twins cannot
 * drift. Names, labels and checks follow `helm create`'s conventions:
 *
 * - `name`: the chart name or `nameOverride`; `fullname`: `<release>-<name>` (or the release name when it already
 *   contains the name, or `fullnameOverride`), at most 63 characters: every object of a release carries it, so two
 *   releases in one namespace never collide.
 * - `labels`: app.kubernetes.io/{name,instance,version,managed-by,part-of}, helm.sh/chart and the owner labels;
 *   `selectorLabels`: name and instance (a selector never changes between upgrades).
 * - `validate`: what values.schema.json cannot express (one value against another); Helm stops with the message.
 *
 * Every label value is quoted and cut to Kubernetes' rules (63 characters, alphanumeric at both ends): a release
 * called `true` or an appVersion like `sha256:...` must not produce an object the API server rejects.
 */
import { createHash } from "node:crypto";
import { lookup, type HelperFunctions, type RenderContext } from "./holes";
import { parseQuantity } from "../manifest/quantity";

/** Labels that every object and pod carries besides the app.kubernetes.io set (owner labels for cost allocation). */
export type FixedLabels = Record<string, string>;

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function values(ctx: RenderContext): Record<string, Record<string, unknown>> {
  return ctx.values as Record<string, Record<string, unknown>>;
}

function trimName(s: string): string {
  return s.slice(0, 63).replace(/-+$/, "");
}

/** A label value from any text: invalid characters become '_', at most 63, alphanumeric at both ends. */
function labelValue(s: string): string {
  return s.replace(/[^-A-Za-z0-9_.]+/g, "_").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

function name(ctx: RenderContext): string {
  return trimName(String(values(ctx).nameOverride || ctx.chart.name));
}

function fullname(ctx: RenderContext): string {
  const v = values(ctx);
  if (v.fullnameOverride) return trimName(String(v.fullnameOverride));
  const n = String(v.nameOverride || ctx.chart.name);
  return ctx.release.name.includes(n) ? trimName(ctx.release.name) : trimName(`${ctx.release.name}-${n}`);
}

function version(ctx: RenderContext): string {
  return labelValue(String(lookup(ctx.values, "image.tag") || ctx.chart.appVersion));
}

function selectorLabels(ctx: RenderContext): Record<string, string> {
  return { "app.kubernetes.io/name": name(ctx), "app.kubernetes.io/instance": ctx.release.name };
}

function quantity(v: unknown): number {
  return parseQuantity(typeof v === "number" ? v : String(v)) ?? 0;
}

/** Go's %v of a float64, for the quantities echoed in messages: integers print without a fraction. */
function goValue(v: unknown): string {
  return String(v);
}

/** What `validate` fails with, or undefined. The texts are Helm's `fail` messages word for word. */
export function validationFailure(ctx: RenderContext): string | undefined {
  const v = values(ctx);
  const full = fullname(ctx);
  if (!DNS_LABEL.test(full)) {
    return `object name "${full}" (from release name "${ctx.release.name}") must be a DNS label starting with a letter, as Kubernetes requires of Service names; choose another release name or set fullnameOverride`;
  }
  const a = v.autoscaling as { minReplicas: number; maxReplicas: number };
  if (Math.trunc(a.minReplicas) > Math.trunc(a.maxReplicas)) {
    return `autoscaling.minReplicas (${Math.trunc(a.minReplicas)}) is above autoscaling.maxReplicas (${Math.trunc(a.maxReplicas)}); lower minReplicas or raise maxReplicas`;
  }
  const image = v.image as { tag?: string; digest?: string };
  if (!image.tag && !image.digest) return "image.tag and image.digest are both empty; set one of them";
  const res = v.resources as Record<"requests" | "limits", Record<string, unknown>>;
  for (const r of ["cpu", "memory"]) {
    if (quantity(res.requests[r]) > quantity(res.limits[r])) {
      return `resources.requests.${r} (${goValue(res.requests[r])}) is above resources.limits.${r} (${goValue(res.limits[r])}); Kubernetes rejects a request above its limit`;
    }
  }
  return undefined;
}

/** The TypeScript twins of the named templates. */
export function helperFunctions(fixed: FixedLabels): HelperFunctions {
  return {
    name,
    fullname,
    chart: (ctx) => labelValue(`${ctx.chart.name}-${ctx.chart.version}`.replace(/\+/g, "_")),
    version,
    selectorLabels,
    labels: (ctx) => {
      const v = version(ctx);
      return {
        "helm.sh/chart": labelValue(`${ctx.chart.name}-${ctx.chart.version}`.replace(/\+/g, "_")),
        ...selectorLabels(ctx),
        ...(v ? { "app.kubernetes.io/version": v } : {}),
        "app.kubernetes.io/managed-by": ctx.release.service,
        "app.kubernetes.io/part-of": "runway",
        ...fixed,
      };
    },
    podLabels: (ctx) => {
      const v = version(ctx);
      return { ...selectorLabels(ctx), ...(v ? { "app.kubernetes.io/version": v } : {}), "app.kubernetes.io/part-of": "runway", ...fixed };
    },
    serviceAccountName: (ctx) => {
      const sa = values(ctx).serviceAccount as { create: boolean; name?: string };
      return sa.name || (sa.create ? fullname(ctx) : "default");
    },
    image: (ctx) => {
      const i = values(ctx).image as { repository: string; tag?: string; digest?: string };
      return `${i.repository}${i.tag ? `:${i.tag}` : ""}${i.digest ? `@${i.digest}` : ""}`;
    },
    release: (ctx) => ctx.release.name,
    namespace: (ctx) => ctx.release.namespace,
    chartVersion: (ctx) => ctx.chart.version,
    registrationName: (ctx) => `${trimName(fullname(ctx).slice(0, 50))}-registration`,
    registrationPodLabels: (ctx) => ({
      "app.kubernetes.io/instance": ctx.release.name,
      "app.kubernetes.io/component": "registration",
      "app.kubernetes.io/part-of": "runway",
      "runway.gitlab.com/component": "registration",
      ...fixed,
    }),
    registrationImage: (ctx) => {
      const i = (values(ctx).registration as { image: { repository: string; tag: string; digest: string } }).image;
      return `${i.repository}${i.tag ? `:${i.tag}` : ""}@${i.digest}`;
    },
    secretName: (ctx, secret) => {
      if (!(values(ctx).externalSecrets as { enabled: boolean }).enabled) return secret;
      const full = `${fullname(ctx)}-${secret}`;
      if (full.length <= 63) return full;
      return `${full.slice(0, 54).replace(/-+$/, "")}-${createHash("sha256").update(full).digest("hex").slice(0, 8)}`;
    },
    validate: (ctx) => {
      const failure = validationFailure(ctx);
      if (failure) throw new Error(failure);
      return "";
    },
  };
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

/** templates/_helpers.tpl of chart `chart`. */
export function helpersTemplate(chart: string, fixed: FixedLabels): string {
  const n = (h: string) => `"${chart}.${h}"`;
  const fixedLines = Object.entries(fixed).map(([k, v]) => `${k}: ${yamlString(v)}`);
  const label = (expr: string) => `regexReplaceAll "^[^A-Za-z0-9]+|[^A-Za-z0-9]+$" (regexReplaceAll "[^-A-Za-z0-9_.]+" (${expr}) "_" | trunc 63) ""`;
  const trim = (expr: string) => `regexReplaceAll "-+$" (${expr} | trunc 63) ""`;
  return `{{/* Generated by runway chart build. Named templates of this chart; every object and label is built from them. */}}

{{/* The chart name, or nameOverride. */}}
{{- define ${n("name")} -}}
{{- ${trim("default .Chart.Name .Values.nameOverride")} }}
{{- end }}

{{/* Name of every object of the release, at most 63 characters: <release>-<name>, the release name when it already contains the name, or fullnameOverride. */}}
{{- define ${n("fullname")} -}}
{{- if .Values.fullnameOverride }}
{{- ${trim(".Values.fullnameOverride")} }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- ${trim(".Release.Name")} }}
{{- else }}
{{- ${trim('printf "%s-%s" .Release.Name $name')} }}
{{- end }}
{{- end }}
{{- end }}

{{/* The helm.sh/chart label: <chart>-<version>, '+' as '_'. */}}
{{- define ${n("chart")} -}}
{{- ${label('printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_"')} }}
{{- end }}

{{/* The app.kubernetes.io/version label: the image tag (or appVersion) as a valid label value. */}}
{{- define ${n("version")} -}}
{{- ${label(".Values.image.tag | default .Chart.AppVersion | toString")} }}
{{- end }}

{{/* Labels that select the release's pods. They never change between upgrades. */}}
{{- define ${n("selectorLabels")} -}}
app.kubernetes.io/name: {{ include ${n("name")} . | quote }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end }}

{{/* Labels of every object. */}}
{{- define ${n("labels")} -}}
helm.sh/chart: {{ include ${n("chart")} . | quote }}
{{ include ${n("selectorLabels")} . }}
{{- with include ${n("version")} . }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service | quote }}
app.kubernetes.io/part-of: runway
${fixedLines.join("\n")}
{{- end }}

{{/* Labels of the pods: no chart version, so an upgrade that changes nothing in the pod does not restart it. */}}
{{- define ${n("podLabels")} -}}
{{ include ${n("selectorLabels")} . }}
{{- with include ${n("version")} . }}
app.kubernetes.io/version: {{ . | quote }}
{{- end }}
app.kubernetes.io/part-of: runway
${fixedLines.join("\n")}
{{- end }}

{{/* The ServiceAccount the pods run as. */}}
{{- define ${n("serviceAccountName")} -}}
{{- if .Values.serviceAccount.create }}
{{- default (include ${n("fullname")} .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image the runtime pulls: repository[:tag][@digest]. */}}
{{- define ${n("image")} -}}
{{- .Values.image.repository }}{{ with .Values.image.tag }}:{{ . }}{{ end }}{{ with .Values.image.digest }}@{{ . }}{{ end }}
{{- end }}

{{/* The release's name, namespace and the chart's version, as the registration hook reports them. */}}
{{- define ${n("release")} -}}
{{- .Release.Name }}
{{- end }}

{{- define ${n("namespace")} -}}
{{- .Release.Namespace }}
{{- end }}

{{- define ${n("chartVersion")} -}}
{{- .Chart.Version }}
{{- end }}

{{/* Name of the registration hook's objects: <fullname>-registration, at most 63 characters. */}}
{{- define ${n("registrationName")} -}}
{{- printf "%s-registration" (regexReplaceAll "-+$" (include ${n("fullname")} . | trunc 50) "") }}
{{- end }}

{{/* Labels of the registration hook's pod: no app.kubernetes.io/name, so no selector of the workload's (Service, PodDisruptionBudget) takes it for a workload pod. */}}
{{- define ${n("registrationPodLabels")} -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/component: registration
app.kubernetes.io/part-of: runway
runway.gitlab.com/component: registration
${fixedLines.join("\n")}
{{- end }}

{{/* The registration hook's image: repository[:tag]@digest, always pinned. */}}
{{- define ${n("registrationImage")} -}}
{{- with .Values.registration.image }}{{ .repository }}{{ with .tag }}:{{ . }}{{ end }}@{{ .digest }}{{ end }}
{{- end }}

{{/* (list . "secret"): the Secret holding a manifest secret. The External Secrets Operator's copy is per release. */}}
{{- define ${n("secretName")} -}}
{{- $root := index . 0 }}
{{- $secret := index . 1 }}
{{- if $root.Values.externalSecrets.enabled }}
{{- $full := printf "%s-%s" (include ${n("fullname")} $root) $secret }}
{{- if le (len $full) 63 }}
{{- $full }}
{{- else }}
{{- printf "%s-%s" (regexReplaceAll "-+$" (trunc 54 $full) "") (sha256sum $full | trunc 8) }}
{{- end }}
{{- else }}
{{- $secret }}
{{- end }}
{{- end }}

{{/* A resource quantity as a number (cores or bytes), to compare requests with limits. */}}
{{- define ${n("quantity")} -}}
{{- $q := toString . }}
{{- $number := regexFind "^[+]?([0-9]+([.][0-9]*)?|[.][0-9]+)" $q }}
{{- $suffix := trimPrefix $number $q }}
{{- $factors := dict "" 1 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 "Ei" 1152921504606846976 }}
{{- if hasKey $factors $suffix }}
{{- mulf (float64 $number) (get $factors $suffix) }}
{{- else }}
{{- float64 $q }}
{{- end }}
{{- end }}

{{/* Checks across values that values.schema.json cannot express; Helm stops with the message. */}}
{{- define ${n("validate")} -}}
{{- $name := include ${n("fullname")} . }}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) }}
{{- fail (printf "object name %q (from release name %q) must be a DNS label starting with a letter, as Kubernetes requires of Service names; choose another release name or set fullnameOverride" $name .Release.Name) }}
{{- end }}
{{- with .Values.autoscaling }}
{{- if gt (int .minReplicas) (int .maxReplicas) }}
{{- fail (printf "autoscaling.minReplicas (%d) is above autoscaling.maxReplicas (%d); lower minReplicas or raise maxReplicas" (int .minReplicas) (int .maxReplicas)) }}
{{- end }}
{{- end }}
{{- if not (or .Values.image.tag .Values.image.digest) }}
{{- fail "image.tag and image.digest are both empty; set one of them" }}
{{- end }}
{{- range $r := list "cpu" "memory" }}
{{- $request := index $.Values.resources.requests $r }}
{{- $limit := index $.Values.resources.limits $r }}
{{- if gt (include ${n("quantity")} $request | float64) (include ${n("quantity")} $limit | float64) }}
{{- fail (printf "resources.requests.%s (%v) is above resources.limits.%s (%v); Kubernetes rejects a request above its limit" $r $request $r $limit) }}
{{- end }}
{{- end }}
{{- end }}
`;
}
