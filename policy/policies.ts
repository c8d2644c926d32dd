/**
 * The guardrail rules (src/rules) as Pulumi policies: resource rules become validateResource policies, rules
 * that read other resources become validateStack policies, enforcement follows the rule's severity. Waivers come
 * from the previewed stack's own config as Pulumi passes it to the pack, or else from its stack file
 * (stacks/Pulumi.<stack>.yaml), found by the stack name in each URN.
 */
import * as path from "node:path";
import * as policyProxy from "@pulumi/policy/proxy";
import type {
  Policies,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { rules as allRules } from "../src/rules";
import { reportedFinding } from "../src/rules/check";
import { parseUrn } from "../src/rules/replacement";
import { type CheckedResource, type Rule, UNKNOWN } from "../src/rules/rule";
import { pulumiConfigFromEnv, stackFromPulumiConfig } from "../src/config/pulumi-config";
import { stackWaivers, type Waiver, waiverCovers, waiversOf } from "../src/rules/waivers";

export interface PackOptions {
  /** Waivers of a stack; default: read from the repository's stack file of that name. */
  waiversFor?(stack: string): readonly Waiver[];
  rules?: readonly Rule[];
}

const REPO_ROOT = path.resolve(__dirname, "..");

/** The SDK's sentinels for values unknown during preview (@pulumi/policy proxy.js; internal, hence the cast). */
const SDK = policyProxy as unknown as { getSpecialProxyTarget: string } & Record<`unknown${"Boolean" | "Number" | "String" | "Array" | "Asset" | "Archive" | "Object"}Value`, string>;
const UNKNOWN_SENTINELS = new Set<unknown>(
  (["Boolean", "Number", "String", "Array", "Asset", "Archive", "Object"] as const).map((k) => SDK[`unknown${k}Value`]).filter((v) => v !== undefined),
);

/**
 * Resource properties as a plan shows them: the SDK's unknown sentinels become "[unknown]", read without its
 * checking proxy. A rule then reports the field it cannot see and a mandatory rule fails closed, instead of the
 * SDK's UnknownValueError turning the policy advisory for the run. Secrets reach policy packs in plain text.
 */
export function planValue(v: unknown): unknown {
  const raw = v !== null && typeof v === "object" ? ((v as Record<string, unknown>)[SDK.getSpecialProxyTarget] ?? v) : v;
  if (UNKNOWN_SENTINELS.has(raw)) return UNKNOWN;
  if (Array.isArray(raw)) return raw.map(planValue);
  if (raw !== null && typeof raw === "object") return Object.fromEntries(Object.entries(raw).map(([k, x]) => [k, planValue(x)]));
  return raw;
}

/** A policy resource as a rule sees it. retainOnDelete is not exposed to policy packs, so it stays undefined. */
export function fromPolicyResource(r: Pick<PolicyResource, "type" | "name" | "urn" | "props" | "opts">): CheckedResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    inputs: planValue(r.props) as Record<string, unknown>,
    options: {
      protect: r.opts.protect,
      deleteBeforeReplace: r.opts.deleteBeforeReplace,
      ignoreChanges: r.opts.ignoreChanges,
      aliases: r.opts.aliases,
      parent: r.opts.parent,
    },
  };
}

export function policyName(rule: Pick<Rule, "id" | "title">): string {
  const slug = rule.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return `${rule.id}-${slug}`.slice(0, 100);
}

/**
 * Reports a rule's findings on one resource unless a waiver covers them, as `runway check` does: a mandatory rule
 * fails closed on a value it cannot see (unknown during preview). Only findings about an option the SDK never shows
 * (retainOnDelete) are left to `runway check`: a mandatory resource rule reports itself "not applicable" for the
 * resource, a stack rule skips them.
 */
function report(
  rule: Rule,
  res: CheckedResource,
  resources: readonly CheckedResource[],
  waivers: readonly Waiver[],
  reportViolation: ReportViolation,
  notApplicable?: (reason: string) => never,
): void {
  if (waivers.some((w) => waiverCovers(w, rule.id, res))) return;
  const findings = rule.check(res, { resources }).map((f) => reportedFinding(rule, f));
  const reported = findings.filter((f) => f.severity === rule.severity);
  for (const f of reported) reportViolation(f.message, res.urn);
  const hidden = findings.filter((f) => f.severity !== rule.severity);
  if (!reported.length && hidden.length) notApplicable?.(hidden.map((f) => f.message).join("; "));
}

/**
 * The waivers of the stack being previewed, from the config the Pulumi CLI hands the pack (the same config the
 * program reads, wherever it was set); undefined when the pack runs without it.
 */
export function previewedStackWaivers(stack: string, env: NodeJS.ProcessEnv = process.env): readonly Waiver[] | undefined {
  const given = env.PULUMI_NODEJS_STACK === stack ? pulumiConfigFromEnv(env) : undefined;
  return given ? stackWaivers(stackFromPulumiConfig(stack, given, REPO_ROOT).config) : undefined;
}

export function buildPolicies(opts: PackOptions = {}): Policies {
  const cache = new Map<string, readonly Waiver[]>();
  const waiversFor = (urn: string): readonly Waiver[] => {
    const stack = parseUrn(urn)?.stack ?? "";
    if (!cache.has(stack)) cache.set(stack, opts.waiversFor ? opts.waiversFor(stack) : (previewedStackWaivers(stack) ?? waiversOf(REPO_ROOT, stack)));
    return cache.get(stack) ?? [];
  };
  return (opts.rules ?? allRules).map((rule): ResourceValidationPolicy | StackValidationPolicy => {
    const base = {
      name: policyName(rule),
      description: `${rule.id} ${rule.title}: ${rule.rationale} (${rule.source})`,
      enforcementLevel: rule.severity,
    };
    if (rule.scope === "resource") {
      return {
        ...base,
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
          if (!rule.appliesTo.includes(args.type)) return;
          const res = fromPolicyResource(args);
          report(rule, res, [res], waiversFor(args.urn), reportViolation, args.notApplicable);
        },
      };
    }
    return {
      ...base,
      validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const resources = args.resources.map(fromPolicyResource);
        for (const res of resources) {
          if (rule.appliesTo.includes(res.type)) report(rule, res, resources, waiversFor(res.urn), reportViolation);
        }
      },
    };
  });
}
