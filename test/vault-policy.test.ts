import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { namespaceTemplate, parsePolicyHcl, policyAllows, policyHcl, templatedTenantPolicyRules, tenantPolicyRules } from "../src/vault/policy";

const ACCESSOR = "auth_kubernetes_1a2b3c4d";
const explicit = policyHcl(tenantPolicyRules({ mount: "runway", environment: "staging", service: "ai-gateway" }));
const templated = policyHcl(templatedTenantPolicyRules({ mount: "runway", environment: "staging", accessor: ACCESSOR }));
const own = { accessor: ACCESSOR, namespace: "ai-gateway" };

describe("tenant Vault policy, explicit form", () => {
  it("grants read on the tenant's secrets", () => {
    expect(policyAllows(explicit, "runway/env/staging/data/service/ai-gateway/llm/anthropic", "read")).toBe(true);
  });

  it("grants list on the tenant's metadata, including its top folder", () => {
    expect(policyAllows(explicit, "runway/env/staging/metadata/service/ai-gateway/", "list")).toBe(true);
    expect(policyAllows(explicit, "runway/env/staging/metadata/service/ai-gateway/llm", "list")).toBe(true);
  });

  it("does not grant a sibling service whose name starts with the tenant's (ai-gateway-2)", () => {
    expect(policyAllows(explicit, "runway/env/staging/data/service/ai-gateway-2/llm", "read")).toBe(false);
    expect(policyAllows(explicit, "runway/env/staging/metadata/service/ai-gateway-2/", "list")).toBe(false);
  });

  it("does not grant the same service in another environment's mount or another mount", () => {
    expect(policyAllows(explicit, "runway/env/production/data/service/ai-gateway/llm", "read")).toBe(false);
    expect(policyAllows(explicit, "secret/env/staging/data/service/ai-gateway/llm", "read")).toBe(false);
    // The same secret in a single `runway` mount (before mounts were per environment).
    expect(policyAllows(explicit, "runway/data/env/staging/service/ai-gateway/llm", "read")).toBe(false);
  });

  it("grants no write, delete or sudo anywhere", () => {
    for (const cap of ["create", "update", "patch", "delete", "sudo"]) {
      expect(policyAllows(explicit, "runway/env/staging/data/service/ai-gateway/llm", cap), cap).toBe(false);
    }
    const writes = parsePolicyHcl(explicit).filter((r) => r.capabilities.some((c) => ["create", "patch", "delete", "sudo"].includes(c)));
    expect(writes).toEqual([]);
  });

  it("lists exactly the tenant paths plus the token's own self-service paths", () => {
    expect(parsePolicyHcl(explicit).map((r) => r.path)).toEqual([
      "runway/env/staging/data/service/ai-gateway/*",
      "runway/env/staging/metadata/service/ai-gateway/*",
      "auth/token/lookup-self",
      "auth/token/renew-self",
      "auth/token/revoke-self",
    ]);
  });
});

describe("tenant Vault policy, templated form (V5)", () => {
  it("uses the namespace of the caller's identity alias on this auth mount", () => {
    expect(templated).toContain(`runway/env/staging/data/service/${namespaceTemplate(ACCESSOR)}/*`);
    expect(namespaceTemplate(ACCESSOR)).toBe(`{{identity.entity.aliases.${ACCESSOR}.metadata.service_account_namespace}}`);
  });

  it("grants read on the caller's own namespace path", () => {
    expect(policyAllows(templated, "runway/env/staging/data/service/ai-gateway/llm", "read", own)).toBe(true);
    expect(policyAllows(templated, "runway/env/staging/metadata/service/ai-gateway/", "list", own)).toBe(true);
  });

  it("grants nothing in another environment's mount", () => {
    expect(policyAllows(templated, "runway/env/production/data/service/ai-gateway/llm", "read", own)).toBe(false);
  });

  it("does not grant a sibling prefix (ai-gateway-2) nor another tenant", () => {
    expect(policyAllows(templated, "runway/env/staging/data/service/ai-gateway-2/llm", "read", own)).toBe(false);
    expect(policyAllows(templated, "runway/env/staging/metadata/service/ai-gateway-2/", "list", own)).toBe(false);
    expect(policyAllows(templated, "runway/env/staging/data/service/duo-workflow/llm", "read", own)).toBe(false);
  });

  it("grants nothing to a token from another auth mount (the template does not resolve)", () => {
    expect(policyAllows(templated, "runway/env/staging/data/service/ai-gateway/llm", "read", { accessor: "auth_kubernetes_other", namespace: "ai-gateway" })).toBe(false);
    expect(policyAllows(templated, "runway/env/staging/data/service/ai-gateway/llm", "read")).toBe(false);
  });
});

describe("policy evaluation", () => {
  it("for any two different services, neither policy reads the other's secrets", () => {
    const name = fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/);
    fc.assert(
      fc.property(name, name, fc.stringMatching(/^[a-z0-9]{1,10}$/), (a, b, leaf) => {
        fc.pre(a !== b);
        const hcl = policyHcl(tenantPolicyRules({ mount: "runway", environment: "staging", service: a }));
        return (
          policyAllows(hcl, `runway/env/staging/data/service/${a}/${leaf}`, "read") &&
          !policyAllows(hcl, `runway/env/staging/data/service/${b}/${leaf}`, "read")
        );
      }),
    );
  });

  it("'+' matches exactly one path segment", () => {
    const hcl = policyHcl([{ path: "runway/data/+/config", capabilities: ["read"] }]);
    expect(policyAllows(hcl, "runway/data/a/config", "read")).toBe(true);
    expect(policyAllows(hcl, "runway/data/a/b/config", "read")).toBe(false);
  });

  it("the parser reads back what the writer wrote", () => {
    const rules = tenantPolicyRules({ mount: "kv", environment: "production", service: "duo" });
    expect(parsePolicyHcl(policyHcl(rules, "comment"))).toEqual(rules);
  });
});
