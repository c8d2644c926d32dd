/**
 * The class floor: the floor's replay (bench/floor.ts) through the provider SDKs' own resource classes instead of a
 * bare CustomResource: same registrations, same inputs and options, same batches. Between the floor and the platform
 * it tells what the provider classes cost (their output-only properties, their option handling) from what Runway's
 * program adds. Dynamic resources have no class to replay them with and stay bare; the classes add their own aliases
 * and secret outputs, so the replay leaves those to them.
 * Usage: node bin/tsx.cjs bench/class-floor.ts PLAN.json [--json FILE] [--warm CATALOG_DIR]
 */
import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { measureReplay, replay } from "./floor";

type ResourceClass = new (name: string, inputs: pulumi.Inputs, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;
type Namespace = Record<string, unknown>;

/** API groups whose module in @pulumi/kubernetes is not named after the group. */
const K8S_MODULES: Record<string, string> = { "rbac.authorization.k8s.io": "rbac", "networking.k8s.io": "networking", "helm.sh": "helm" };

/** A custom resource of a kind the SDK has no class for: a Kubernetes CustomResource of that apiVersion and kind. */
function customResourceClass(apiVersion: string, kind: string): ResourceClass {
  return class extends k8s.apiextensions.CustomResource {
    constructor(name: string, inputs: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
      super(name, { ...inputs, apiVersion, kind }, opts);
    }
  };
}

/** The SDK class behind a type token such as `gcp:serviceaccount/account:Account`, if it has one. */
export function providerClass(type: string): ResourceClass | undefined {
  const [pkg, module, name] = type.split(":");
  const [first, second] = module.split("/");
  if (pkg === "kubernetes") {
    const versions = (k8s as unknown as Record<string, Namespace | undefined>)[K8S_MODULES[first] ?? first];
    const cls = (versions?.[second] as Namespace | undefined)?.[name];
    return (cls as ResourceClass | undefined) ?? customResourceClass(module, name);
  }
  const root = (pkg === "gcp" ? gcp : pkg === "vault" ? vault : undefined) as unknown as Record<string, unknown> | undefined;
  if (!root) return undefined;
  const cls = first === "index" ? root[name] : (root[first] as Namespace | undefined)?.[name];
  return typeof cls === "function" ? (cls as ResourceClass) : undefined;
}

measureReplay((plan) =>
  replay(plan, (r, inputs, { aliases: _aliases, additionalSecretOutputs: _secretOutputs, ...opts }) => {
    const cls = providerClass(r.type);
    return cls ? new cls(r.name, inputs, opts) : undefined;
  }),
).catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
