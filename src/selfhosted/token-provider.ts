/**
 * A Pulumi dynamic provider that generates one token of a turn-up with node:crypto (@pulumi/random is not a
 * dependency). The token lives only in this resource's state, as a secret output, and in the Kubernetes Secret
 * the component fills from it. Deleting the resource (a turn-down) forgets the token: nothing remote holds it, so
 * revocation on the GitLab side is dropping the digest it recorded at turn-up (docs/self-managed.md).
 *
 * Pulumi serializes the provider with its closure serializer. It uses only Node globals (Web Crypto, Buffer): an
 * imported module would be serialized by value under a bundler or test runner that rewrites imports.
 */
import type * as pulumi from "@pulumi/pulumi";

export type TokenPurpose = "registration" | "access";

export interface TurnUpTokenInputs {
  /** Service the token belongs to, e.g. ai-gateway. */
  service: string;
  purpose: TokenPurpose;
}

export interface TurnUpTokenOutputs extends TurnUpTokenInputs {
  /** The token: a secret output (additionalSecretOutputs). */
  token: string;
}

/** Recognisable prefixes, so secret detection can find a leaked token and tell what it is. */
export const TOKEN_PREFIX: Record<TokenPurpose, string> = { registration: "rwreg-", access: "rwacc-" };

/** Random bytes per token: 256 bits. */
export const TOKEN_BYTES = 32;

/** A new token: the purpose's prefix and 256 random bits, base64url. */
export function generateToken(purpose: TokenPurpose): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  return `${TOKEN_PREFIX[purpose]}${Buffer.from(bytes).toString("base64url")}`;
}

export function turnUpTokenProvider(): pulumi.dynamic.ResourceProvider<TurnUpTokenInputs, TurnUpTokenOutputs> {
  return {
    async check(_olds, news) {
      const failures: pulumi.dynamic.CheckFailure[] = [];
      if (typeof news.service !== "string" || news.service === "") failures.push({ property: "service", reason: "service must be a non-empty string" });
      if (news.purpose !== "registration" && news.purpose !== "access") failures.push({ property: "purpose", reason: "purpose must be registration or access" });
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      // A token is never edited in place: another service or purpose is another token.
      const replaces = (["service", "purpose"] as const).filter((k) => olds[k] !== news[k]);
      return { changes: replaces.length > 0, replaces };
    },

    async create(inputs) {
      // The id says nothing about the token.
      return { id: globalThis.crypto.randomUUID(), outs: { ...inputs, token: generateToken(inputs.purpose) } };
    },
  };
}
