/**
 * The guardrail rules (src/rules) as Pulumi policies: resource rules become validateResource policies, rules
 * that read other resources become validateStack policies, enforcement follows the rule's severity. Waivers come
 * from the previewed stack's own config as Pulumi passes it to the pack, or else from its stack file
 * (stacks/Pulumi.<stack>.yaml), found by the stack name in each URN.
 */
import * as path from "node:path";
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
import { parseUrn } from "../src/rules/replacement";
import { type CheckedResource, type Rule, Unverified } from "../src/rules/rule";
import { pulumiConfigFromEnv, stackFromPulumiConfig } from "../src/config/pulumi-config";
import { stackWaivers, type Waiver, waiverCovers, waiversOf } from "../src/rules/waivers";

export interface PackOptions {
  /** Waivers of a stack; default: read from the repository's stack file of that name. */
  waiversFor?(stack: string): readonly Waiver[];
  rules?: readonly Rule[];
}

const REPO_ROOT = path.resolve(__dirname, "..");

/** A policy resource as a rule sees it. retainOnDelete is not exposed to policy packs, so it stays undefined. */
export function fromPolicyResource(r: Pick<PolicyResource, "type" | "name" | "urn" | "props" | "opts">): CheckedResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    // Props stay the SDK's proxy: reading an unknown throws UnknownValueError, which the SDK turns into an
    // advisory "can't run policy during preview" for this run.
    inputs: r.props,
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
 * Reports a rule's findings on one resource unless a waiver covers them. The rule runs unguarded: an
 * UnknownValueError must reach the SDK, which downgrades the policy to advisory during preview. Findings the rule
 * cannot decide here (a value or option the SDK does not show) are reported by advisory rules; a mandatory
 * resource rule reports itself "not applicable" for the resource instead of failing, and a stack rule skips them.
 * `runway check` lists them all as advisory.
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
  const findings = rule.check(res, { resources });
  const decided = findings.filter((f): f is string => typeof f === "string");
  for (const message of decided) reportViolation(message, res.urn);
  const open = findings.filter((f): f is Unverified => f instanceof Unverified);
  if (decided.length || !open.length) return;
  if (rule.severity === "advisory") for (const f of open) reportViolation(f.message, res.urn);
  else notApplicable?.(open.map((f) => f.message).join("; "));
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
