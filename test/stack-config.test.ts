import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/diagnostics";
import { coversInternet } from "../src/config/schema/common";
import { loadStackFile } from "../src/config/stack";

const EXAMPLE = readFileSync(path.join(__dirname, "..", "stacks", "Pulumi.platform-staging.yaml"), "utf8");

/** The 1-based line of the staging example on which `text` first occurs. */
function lineOf(text: string): number {
  return EXAMPLE.slice(0, EXAMPLE.indexOf(text)).split("\n").length;
}

/** Error lines of a stack file written with `edit` applied to the staging example. */
function errorsOf(edit: (text: string) => string): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), "runway-stack-"));
  const file = path.join(dir, "Pulumi.test.yaml");
  writeFileSync(file, edit(EXAMPLE));
  try {
    loadStackFile(file);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.diagnostics.map((d) => `${d.line}:${d.column}: ${d.path}: ${d.message}`);
  }
}

describe("stack file validation", () => {
  it("the example platform stack is valid", () => {
    expect(errorsOf((t) => t)).toEqual([]);
  });

  it("an unknown runway:kind names the allowed kinds", () => {
    expect(errorsOf((t) => t.replace("runway:kind: platform", "runway:kind: platfrom"))).toEqual([
      '7:16: config.runway:kind: expected one of platform, service, selfhosted, region, dedicated-tenant, got string "platfrom"',
    ]);
  });

  it("a region that is not a GCP region is rejected", () => {
    const errors = errorsOf((t) => t.replace("region: us-east1\n    budget", "region: us-east9\n    budget"));
    expect(errors).toEqual(["15:13: config.runway:gcp.region: 'us-east9' is not a GCP region; expected e.g. us-east1 or europe-west4 (see https://cloud.google.com/about/locations)"]);
  });

  it("a project id that GCP would refuse is rejected", () => {
    expect(errorsOf((t) => t.replace("projectId: gl-runway-staging", "projectId: my-google-proj"))).toEqual([
      "12:16: config.runway:gcp.projectId: GCP refuses project ids containing 'google', 'null', 'undefined' or 'ssl'",
    ]);
    expect(errorsOf((t) => t.replace("projectId: gl-runway-staging", "projectId: Ab"))[0]).toContain("must be a GCP project id: 6-30 characters");
  });

  it("overlapping ranges are rejected", () => {
    const errors = errorsOf((t) => t.replace("services: 10.68.0.0/20", "services: 10.10.8.0/24"));
    expect(errors).toEqual(["24:19: config.runway:network.subnets[0].services: 10.10.8.0/24 overlaps 10.10.0.0/20 (runway:network.subnets.0.cidr); choose disjoint ranges"]);
  });

  it("a proxy-only range overlapping another range is rejected", () => {
    expect(errorsOf((t) => t.replace("proxyOnly: 10.10.16.0/23", "proxyOnly: 10.10.0.0/23"))).toEqual([
      "25:20: config.runway:network.subnets[0].proxyOnly: 10.10.0.0/23 overlaps 10.10.0.0/20 (runway:network.subnets.0.cidr); choose disjoint ranges",
    ]);
  });

  it("a private endpoint without private nodes is rejected", () => {
    const errors = errorsOf((t) => t.replace("privateEndpoint: false", "privateEndpoint: true\n    privateNodes: false\n    exceptions:\n      G1: nodes need public IPs for a legacy partner allow-list"));
    expect(errors).toEqual(["28:22: config.runway:cluster.privateEndpoint: a private endpoint requires private nodes; set privateNodes: true or privateEndpoint: false"]);
  });

  it("loosening a security default needs a justification", () => {
    expect(errorsOf((t) => t.replace("privateEndpoint: false", "privateEndpoint: false\n    privateNodes: false"))).toEqual([
      "29:19: config.runway:cluster.privateNodes: turning off private nodes (G1) needs exceptions.G1 with a justification",
    ]);
    expect(errorsOf((t) => t.replace("privateEndpoint: false", "privateEndpoint: false\n    exceptions:\n      G16: because")))
      .toEqual(["30:12: config.runway:cluster.exceptions.G16: a justification must explain the reason in at least 20 characters"]);
  });

  it("a public endpoint open to the internet is rejected (G2)", () => {
    expect(errorsOf((t) => t.replace("cidr: 10.0.0.0/8", "cidr: 0.0.0.0/0"))).toEqual([
      "30:15: config.runway:cluster.authorizedNetworks[0].cidr: '0.0.0.0/0' opens the control plane to the internet; list specific networks (G2)",
    ]);
  });

  it("authorized networks that together cover the internet are rejected (G2)", () => {
    const halves = (t: string) => t.replace("cidr: 10.0.0.0/8", "cidr: 0.0.0.0/1").replace("cidr: 34.74.90.64/28", "cidr: 128.0.0.0/1");
    expect(errorsOf(halves)).toEqual([
      `${lineOf("- cidr: 10.0.0.0/8")}:7: config.runway:cluster.authorizedNetworks: '0.0.0.0/1', '128.0.0.0/1' together cover every IPv4 address, which opens the control plane to the internet; list specific networks (G2)`,
    ]);
  });

  it("an authorized network broader than a /8 is rejected (G2)", () => {
    expect(errorsOf((t) => t.replace("cidr: 10.0.0.0/8", "cidr: 10.0.0.0/7"))).toEqual([
      `${lineOf("cidr: 10.0.0.0/8")}:15: config.runway:cluster.authorizedNetworks[0].cidr: '10.0.0.0/7' is broader than a /8 and opens the control plane to a large part of the internet; list specific networks of at most a /8 (G2)`,
    ]);
  });

  it("authorized networks that are each a /8 but together open more than a /8 of public addresses are rejected (G2)", () => {
    const many = (t: string) => t.replace("cidr: 34.74.90.64/28", "cidr: 34.0.0.0/8\n        name: a\n      - cidr: 35.0.0.0/8");
    expect(errorsOf(many)).toEqual([
      `${lineOf("- cidr: 10.0.0.0/8")}:7: config.runway:cluster.authorizedNetworks: '10.0.0.0/8', '34.0.0.0/8', '35.0.0.0/8' together open 2 /8s of public addresses to the control plane; together they may open at most one /8 (16777216 addresses) (G2)`,
    ]);
  });

  it("coversInternet: blocks whose union is every IPv4 address, in any order and with overlaps", () => {
    expect(coversInternet(["0.0.0.0/0"])).toBe(true);
    expect(coversInternet(["128.0.0.0/1", "0.0.0.0/1"])).toBe(true);
    expect(coversInternet(["0.0.0.0/2", "64.0.0.0/2", "0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"])).toBe(true);
    expect(coversInternet(["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"])).toBe(false);
    expect(coversInternet(["10.0.0.0/8", "not a cidr"])).toBe(false);
    expect(coversInternet([])).toBe(false);
  });

  it("coversInternet: 0.0.0.0/0 split into any set of aligned blocks covers it, and loses it without any one block", () => {
    // Splits [start, start + 2^(32-prefix)) into aligned halves at random depths.
    const split = (start: number, prefix: number, depth: number[]): string[] => {
      if (prefix === 32 || (depth.shift() ?? 0) === 0) return [`${[24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256).join(".")}/${prefix}`];
      const half = 2 ** (31 - prefix);
      return [...split(start, prefix + 1, depth), ...split(start + half, prefix + 1, depth)];
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 40 }), fc.nat(), (depth, pick) => {
        const blocks = split(0, 0, [1, ...depth]);
        expect(coversInternet(blocks)).toBe(true);
        expect(coversInternet(blocks.filter((_, i) => i !== pick % blocks.length))).toBe(false);
      }),
    );
  });

  it("the cluster region needs a subnet", () => {
    expect(errorsOf((t) => t.replace("  runway:cluster:\n    region: us-east1", "  runway:cluster:\n    region: europe-west4"))).toEqual([
      "27:13: config.runway:cluster.region: no subnet in europe-west4; add one to runway:network.subnets",
    ]);
  });

  it("a platform stack without the agent registration token is rejected", () => {
    expect(errorsOf((t) => t.replace(/ {2}runway:gitlabToken:\n\s+secure: \S+\n/, ""))).toEqual(["7:3: config.runway:gitlabToken: required field is missing; expected a mapping"]);
  });

  it("secrets are only accepted as Pulumi secrets", () => {
    expect(errorsOf((t) => t.replace(/runway:gitlabToken:\n\s+secure: \S+/, "runway:gitlabToken: glpat-plaintext"))).toEqual([
      "43:23: config.runway:gitlabToken: must be a Pulumi secret, never plain text: pulumi config set --secret <key> <value>",
    ]);
  });
});
