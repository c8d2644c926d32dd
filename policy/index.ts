/**
 * The Runway policy pack: `pulumi preview --policy-pack policy`. Policies are built from the shared rules in
 * src/rules (see policies.ts); `runway check` runs the same rules offline.
 */
import { PolicyPack } from "@pulumi/policy";
import { buildPolicies } from "./policies";

new PolicyPack("runway", { policies: buildPolicies() });
