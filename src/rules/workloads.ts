/**
 * K1 on the workloads themselves: a pod in a tenant namespace that runs privileged, shares the node's namespaces,
 * mounts the node's filesystem or gains capabilities fails, whatever registers it (a Deployment of a rendered chart,
 * a bare Pod, a patch). Pod Security admission would reject it under K1's labels; this rule fails it before apply,
 * and still when the labels are loosened or the namespace is exempted at the admission controller.
 */
import { at, type CheckedResource, type Finding, isOpaque, k8sNamespace, list, type Rule, unverified } from "./rule";
import { isTenantName } from "./tenancy";

/** Where each workload kind keeps its pod spec. */
const POD_SPEC: Record<string, string> = {
  Pod: "spec",
  Deployment: "spec.template.spec",
  StatefulSet: "spec.template.spec",
  DaemonSet: "spec.template.spec",
  ReplicaSet: "spec.template.spec",
  ReplicationController: "spec.template.spec",
  Job: "spec.template.spec",
  CronJob: "spec.jobTemplate.spec.template.spec",
};

const WORKLOAD_TYPES = [
  ...["Pod", "ReplicationController"].flatMap((k) => [`kubernetes:core/v1:${k}`, `kubernetes:core/v1:${k}Patch`]),
  ...["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].flatMap((k) => [`kubernetes:apps/v1:${k}`, `kubernetes:apps/v1:${k}Patch`]),
  ...["Job", "CronJob"].flatMap((k) => [`kubernetes:batch/v1:${k}`, `kubernetes:batch/v1:${k}Patch`]),
];

const kindOf = (type: string) => (type.split(":").pop() ?? "").replace(/Patch$/, "");

/** Capabilities the restricted profile lets a container add. */
const ALLOWED_CAPABILITIES = ["NET_BIND_SERVICE"];

function containerProblems(c: unknown, where: string): Finding[] {
  const sc = at(c, "securityContext");
  if (isOpaque(sc)) return [unverified(`${where}.securityContext`, sc)];
  const out: Finding[] = [];
  const flag = (path: string, bad: (v: unknown) => boolean, why: string) => {
    const v = at(c, path);
    if (isOpaque(v)) out.push(unverified(`${where}.${path}`, v));
    else if (bad(v)) out.push(`${where}.${path} is ${JSON.stringify(v)}: ${why}`);
  };
  flag("securityContext.privileged", (v) => v === true, "a privileged container controls the node; remove it");
  flag("securityContext.allowPrivilegeEscalation", (v) => v === true, "set it to false");
  flag("securityContext.runAsUser", (v) => v === 0, "containers of tenants run as a non-root user");
  flag("securityContext.procMount", (v) => v === "Unmasked", "remove it");
  flag("securityContext.seccompProfile.type", (v) => v === "Unconfined", 'use "RuntimeDefault"');
  const added = at(c, "securityContext.capabilities.add");
  if (isOpaque(added)) out.push(unverified(`${where}.securityContext.capabilities.add`, added));
  else {
    const extra = list(added).filter((cap) => !ALLOWED_CAPABILITIES.includes(String(cap)));
    if (extra.length) out.push(`${where}.securityContext.capabilities.add is ${JSON.stringify(extra)}: only NET_BIND_SERVICE may be added`);
  }
  list(at(c, "ports")).forEach((p, i) => {
    const hostPort = at(p, "hostPort");
    if (isOpaque(hostPort)) out.push(unverified(`${where}.ports[${i}].hostPort`, hostPort));
    else if (typeof hostPort === "number" && hostPort !== 0) out.push(`${where}.ports[${i}].hostPort is ${hostPort}: a host port binds the node's network; expose the pod through a Service`);
  });
  return out;
}

function podSpecProblems(spec: unknown, at0: string): Finding[] {
  if (isOpaque(spec)) return [unverified(at0, spec)];
  const out: Finding[] = [];
  for (const k of ["hostNetwork", "hostPID", "hostIPC"]) {
    const v = at(spec, k);
    if (isOpaque(v)) out.push(unverified(`${at0}.${k}`, v));
    else if (v === true) out.push(`${at0}.${k} is true: tenant pods do not share the node's namespaces`);
  }
  const volumes = at(spec, "volumes");
  if (isOpaque(volumes)) out.push(unverified(`${at0}.volumes`, volumes));
  list(volumes).forEach((v, i) => {
    const hostPath = at(v, "hostPath");
    if (isOpaque(hostPath)) out.push(unverified(`${at0}.volumes[${i}].hostPath`, hostPath));
    else if (hostPath !== undefined && hostPath !== null) out.push(`${at0}.volumes[${i}] mounts hostPath ${JSON.stringify(at(hostPath, "path"))}: tenant pods do not read or write the node's filesystem`);
  });
  for (const k of ["securityContext.runAsUser", "securityContext.seccompProfile.type"]) {
    const v = at(spec, k);
    if (isOpaque(v)) out.push(unverified(`${at0}.${k}`, v));
    else if ((k.endsWith("runAsUser") && v === 0) || (k.endsWith("type") && v === "Unconfined")) out.push(`${at0}.${k} is ${JSON.stringify(v)}; tenant pods run as non-root with the runtime's seccomp profile`);
  }
  for (const group of ["containers", "initContainers", "ephemeralContainers"]) {
    const cs = at(spec, group);
    if (isOpaque(cs)) out.push(unverified(`${at0}.${group}`, cs));
    list(cs).forEach((c, i) => out.push(...containerProblems(c, `${at0}.${group}[${i}]`)));
  }
  return out;
}

function checkWorkload(r: CheckedResource): Finding[] {
  const ns = k8sNamespace(r);
  if (isOpaque(ns)) return [unverified("metadata.namespace", ns)];
  if (!isTenantName(ns ?? "default")) return [];
  const path = POD_SPEC[kindOf(r.type)];
  return podSpecProblems(at(r.inputs, path), path);
}

const K1_WORKLOADS: Rule = {
  id: "K1-workloads",
  title: "Tenant pods meet the restricted profile",
  severity: "mandatory",
  rationale: "A privileged pod, a hostPath mount or the node's network or process namespace hands a tenant the node and every other tenant on it.",
  source: "kubernetes.io Pod Security Standards (restricted); CIS 5.2",
  appliesTo: WORKLOAD_TYPES,
  scope: "resource",
  check: checkWorkload,
};

export const workloadRules: Rule[] = [K1_WORKLOADS];
