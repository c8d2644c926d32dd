/**
 * Cloud Storage controls S1–S5 of the security checklist.
 */
import { grantsOf } from "./iam";
import { at, type CheckedResource, equals, expectField, type Finding, isOpaque, isTrue, type Rule, show, T, unverified } from "./rule";

const bucketRule = (r: Omit<Rule, "appliesTo" | "scope">): Rule => ({ ...r, appliesTo: [T.bucket], scope: "resource" });

const S1 = bucketRule({
  id: "S1",
  title: "Uniform bucket-level access",
  severity: "mandatory",
  rationale: "Object ACLs bypass IAM and are easy to leave public by mistake.",
  source: "CKV_GCP_29",
  check: (b) => expectField(b.inputs, "uniformBucketLevelAccess", isTrue, "set it to true"),
});

const S2 = bucketRule({
  id: "S2",
  title: "Public access prevention",
  severity: "mandatory",
  rationale: "Enforced prevention stops any grant from making objects public.",
  source: "CKV_GCP_114",
  check: (b) => expectField(b.inputs, "publicAccessPrevention", equals("enforced"), 'set it to "enforced"'),
});

const S3 = bucketRule({
  id: "S3",
  title: "Object versioning",
  severity: "mandatory",
  rationale: "Versioning keeps overwritten and deleted objects recoverable.",
  source: "CKV_GCP_78",
  check: (b) => expectField(b.inputs, "versioning.enabled", isTrue, "set versioning: { enabled: true }"),
});

function checkAccessLogging(b: CheckedResource, all: readonly CheckedResource[]): Finding[] {
  const own = at(b.inputs, "name");
  const target = at(b.inputs, "logging.logBucket");
  if (isOpaque(target)) return [unverified("logging.logBucket", target)];
  // The stack's access-log sink is the one bucket that cannot log to another bucket of its own.
  const isSink = own !== undefined && all.some((o) => o.urn !== b.urn && o.type === T.bucket && at(o.inputs, "logging.logBucket") === own);
  if (isSink) return [];
  if (typeof target !== "string" || target === "") {
    if (isOpaque(own)) return [unverified("name", own)];
    const opaque = all.find((o) => o.type === T.bucket && isOpaque(at(o.inputs, "logging.logBucket")));
    if (opaque) return [unverified(`logging.logBucket of bucket ${opaque.name} (this may be its log bucket)`, at(opaque.inputs, "logging.logBucket"))];
    return ["logging.logBucket is unset; send access logs to the stack's log bucket"];
  }
  return target === own ? [`logging.logBucket is ${show(target)}, the bucket itself; send access logs to a separate log bucket`] : [];
}

const S4: Rule = {
  id: "S4",
  title: "Access logging to a separate bucket",
  severity: "mandatory",
  rationale: "Access logs show who read which object; a bucket logging to itself loses them with it.",
  source: "CKV_GCP_62, CKV_GCP_63",
  appliesTo: [T.bucket],
  scope: "stack",
  check: (b, ctx) => checkAccessLogging(b, ctx.resources),
};

const PUBLIC = ["allUsers", "allAuthenticatedUsers"];

const S5: Rule = {
  id: "S5",
  title: "No public bucket grants",
  severity: "mandatory",
  rationale: "allUsers and allAuthenticatedUsers make objects readable by anyone on the internet.",
  source: "CKV_GCP_28",
  appliesTo: [T.bucketIamMember, T.bucketIamBinding, T.bucketIamPolicy],
  scope: "resource",
  check: (g) =>
    grantsOf(g).flatMap((grant): Finding[] =>
      isOpaque(grant.role) && grant.members.length === 0
        ? [unverified(grant.rolePath, grant.role)]
        : grant.members.flatMap(({ path, value }): Finding[] => {
            if (isOpaque(value)) return [unverified(path, value)];
            return typeof value === "string" && PUBLIC.includes(value) ? [`${path} is ${show(value)}; grant named principals only`] : [];
          }),
    ),
};

export const bucketRules: Rule[] = [S1, S2, S3, S4, S5];
