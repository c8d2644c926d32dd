import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { helmReleaseReady, registrationState } from "../src/selfhosted/status";
import { generateToken, TOKEN_PREFIX, turnUpTokenProvider } from "../src/selfhosted/token-provider";

describe("status contract", () => {
  it("registration is finalized only when the workload wrote so", () => {
    expect(registrationState({ registration: "finalized", finalizedAt: "2026-01-01T00:00:00Z" })).toBe("finalized");
    expect(registrationState({ registration: "failed", message: "token refused" })).toBe("failed");
    expect(registrationState({ registration: "pending" })).toBe("pending");
  });

  it("a status the workload has not written yet reads as pending", () => {
    expect(registrationState(undefined)).toBe("pending");
    expect(registrationState({})).toBe("pending");
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.string()), (d) => {
      expect(["pending", "finalized", "failed"]).toContain(registrationState(d));
    }));
  });

  it("the workload is ready only with a current Ready=True condition", () => {
    const ready = { conditions: [{ type: "Released", status: "True" }, { type: "Ready", status: "True", observedGeneration: 3 }] };
    expect(helmReleaseReady(ready, 3)).toBe(true);
    expect(helmReleaseReady(ready, 4)).toBe(false);
    expect(helmReleaseReady({ conditions: [{ type: "Ready", status: "False", reason: "InstallFailed" }] })).toBe(false);
    expect(helmReleaseReady({ conditions: [{ type: "Ready", status: "Unknown" }] })).toBe(false);
  });

  it("a missing or malformed HelmRelease status reads as not ready", () => {
    fc.assert(fc.property(fc.anything(), (s) => {
      const conditions = (s as { conditions?: unknown })?.conditions;
      const hasReady = Array.isArray(conditions) && conditions.some((c) => c?.type === "Ready" && c?.status === "True");
      expect(helmReleaseReady(s)).toBe(hasReady);
    }));
  });
});

describe("turn-up tokens", () => {
  it("each token is 256 random bits behind a prefix that names its purpose", () => {
    const tokens = Array.from({ length: 50 }, () => generateToken("registration"));
    expect(new Set(tokens).size).toBe(50);
    for (const t of tokens) expect(t).toMatch(/^rwreg-[A-Za-z0-9_-]{43}$/);
    expect(generateToken("access").startsWith(TOKEN_PREFIX.access)).toBe(true);
  });

  it("the provider creates a token whose id does not reveal it", async () => {
    const p = turnUpTokenProvider();
    const created = await p.create({ service: "ai-gateway", purpose: "access" });
    const token = created.outs?.token ?? "";
    expect(created.outs).toMatchObject({ service: "ai-gateway", purpose: "access" });
    expect(token).toMatch(/^rwacc-/);
    expect(created.id).not.toContain(token.slice(6, 20));
    const again = await p.create({ service: "ai-gateway", purpose: "access" });
    expect(again.outs?.token).not.toBe(token);
  });

  it("a token is replaced, never edited, when its service or purpose changes", async () => {
    const diff = turnUpTokenProvider().diff;
    if (!diff) throw new Error("the provider has no diff");
    const old = { service: "ai-gateway", purpose: "access" as const, token: "x" };
    expect(await diff("id", old, { service: "ai-gateway", purpose: "access" })).toEqual({ changes: false, replaces: [] });
    expect(await diff("id", old, { service: "ai-gateway", purpose: "registration" })).toEqual({ changes: true, replaces: ["purpose"] });
  });

  it("the provider refuses inputs without a service or with an unknown purpose", async () => {
    const check = turnUpTokenProvider().check;
    if (!check) throw new Error("the provider has no check");
    const r = await check({ service: "", purpose: "access" }, { service: "", purpose: "admin" } as never);
    expect(r.failures).toEqual([
      { property: "service", reason: "service must be a non-empty string" },
      { property: "purpose", reason: "purpose must be registration or access" },
    ]);
  });
});
