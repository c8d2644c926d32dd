import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/diagnostics";
import { loadStackFile } from "../src/config/stack";
import { kubeconfigFacts, kubeconfigProblems } from "../src/selfhosted/kubeconfig";
import { chartTag, planTurnUp, type TurnUpInput } from "../src/selfhosted/turn-up";

const ROOT = path.join(__dirname, "..");
const EXAMPLE = readFileSync(path.join(ROOT, "stacks", "Pulumi.ai-gateway-selfhosted.yaml"), "utf8");
const KUBECONFIG = readFileSync(path.join(ROOT, "examples", "selfhosted", "kubeconfig.yaml"), "utf8");

/**
 * The error message of the example stack with `edit` applied, in a project of its own (stacks/ and the example
 * kubeconfig, edited by `editKubeconfig`). Returns the stack file's path too, for exact file:line:col messages.
 */
function errorOf(edit: (text: string) => string, editKubeconfig: (text: string) => string = (t) => t): { file: string; message: string } {
  const root = mkdtempSync(path.join(tmpdir(), "runway-selfhosted-config-"));
  mkdirSync(path.join(root, "stacks"));
  mkdirSync(path.join(root, "examples", "selfhosted"), { recursive: true });
  writeFileSync(path.join(root, "examples", "selfhosted", "kubeconfig.yaml"), editKubeconfig(KUBECONFIG));
  const file = path.join(root, "stacks", "Pulumi.ai-gateway-selfhosted.yaml");
  writeFileSync(file, edit(EXAMPLE));
  try {
    loadStackFile(file);
    return { file, message: "" };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { file, message: e.message };
  }
}

describe("self-hosted stack validation", () => {
  it("the example stack and its kubeconfig are valid", () => {
    expect(errorOf((t) => t).message).toBe("");
  });

  it("a GitLab release that is not X.Y fails with its position", () => {
    const { file, message } = errorOf((t) => t.replace('runway:gitlabRelease: "17.9"', 'runway:gitlabRelease: "17.9.1"'));
    expect(message).toBe(`${file}:8:25: config.runway:gitlabRelease: must be a GitLab release MAJOR.MINOR such as 17.9`);
  });

  it("a malformed GitLab URL fails with its position", () => {
    const { file, message } = errorOf((t) => t.replace("runway:gitlabUrl: https://gitlab.example.com", "runway:gitlabUrl: https://gitlab..example.com"));
    expect(message).toBe(
      `${file}:9:21: config.runway:gitlabUrl: must be the https:// URL of a GitLab instance such as https://gitlab.example.com: a DNS host name, no query or fragment`,
    );
  });

  it("an http GitLab URL fails with its position", () => {
    const { file, message } = errorOf((t) => t.replace("runway:gitlabUrl: https://gitlab.example.com", "runway:gitlabUrl: http://gitlab.example.com"));
    expect(message).toBe(`${file}:9:21: config.runway:gitlabUrl: must be the https:// URL of a GitLab instance such as https://gitlab.example.com: a DNS host name, no query or fragment`);
  });

  it("a kubeconfig without the chosen context fails with the context's position", () => {
    const { file, message } = errorOf((t) => t.replace("runway:kubeContext: example/agent:ai-workloads", "runway:kubeContext: example/agent:other"));
    expect(message).toBe(`${file}:11:23: config.runway:kubeContext: context 'example/agent:other' is not in examples/selfhosted/kubeconfig.yaml; its contexts: example/agent:ai-workloads`);
  });

  it("a missing kubeconfig file fails with the kubeconfig's position", () => {
    const { file, message } = errorOf((t) => t.replace("runway:kubeconfig: examples/selfhosted/kubeconfig.yaml", "runway:kubeconfig: examples/selfhosted/missing.yaml"));
    expect(message).toBe(`${file}:10:22: config.runway:kubeconfig: examples/selfhosted/missing.yaml: file not found (relative paths start at the project root, where Pulumi.yaml is)`);
  });

  it("a file that is not a kubeconfig fails with the kubeconfig's position", () => {
    const { file, message } = errorOf((t) => t, () => "just: text\n");
    expect(message).toBe(`${file}:10:22: config.runway:kubeconfig: examples/selfhosted/kubeconfig.yaml is not a kubeconfig: it has no contexts list`);
  });

  it("without runway:kubeContext the kubeconfig needs a current-context", () => {
    const { file, message } = errorOf(
      (t) => t.replace("  runway:kubeContext: example/agent:ai-workloads\n", ""),
      (k) => k.replace("current-context: example/agent:ai-workloads\n", ""),
    );
    expect(message).toBe(`${file}:10:22: config.runway:kubeconfig: examples/selfhosted/kubeconfig.yaml has no current-context; set runway:kubeContext to one of its contexts: example/agent:ai-workloads`);
  });

  it("a context naming an undefined cluster fails", () => {
    const { file, message } = errorOf((t) => t, (k) => k.replace("cluster: gitlab-example-agent\n      user", "cluster: elsewhere\n      user"));
    expect(message).toBe(
      `${file}:11:23: config.runway:kubeContext: context 'example/agent:ai-workloads' in examples/selfhosted/kubeconfig.yaml names cluster 'elsewhere', which the file does not define; its clusters: gitlab-example-agent`,
    );
  });

  it("values may not set what Runway sets", () => {
    const { file, message } = errorOf((t) => t.replace("    env:\n", "    serviceAccount: { create: true }\n    env:\n      RUNWAY_GITLAB_URL: https://evil.example.com\n"));
    expect(message.split("\n")).toEqual([
      `${file}:31:21: config.runway:values.serviceAccount: \`serviceAccount\` is set by Runway (the workload runs as the namespace's isolated service account); remove it`,
      `${file}:33:26: config.runway:values.env.RUNWAY_GITLAB_URL: RUNWAY_GITLAB_URL: RUNWAY_* variables are set by Runway (GitLab URL, token Secret names, status ConfigMap); rename it`,
    ]);
  });

  it("egress into the link-local range is refused (K2)", () => {
    const { file, message } = errorOf((t) => t.replace("- cidr: 10.30.8.0/24", "- cidr: 169.254.169.254/32"));
    expect(message).toBe(`${file}:18:13: config.runway:egress[1].cidr: '169.254.169.254/32' reaches the link-local range, which holds the node's cloud metadata server (node credentials); remove it`);
  });

  it("a turn-up without an egress entry marked gitlab is refused: only that range is open to the registration hook", () => {
    const { file, message } = errorOf((t) => t.replace("      gitlab: true\n", ""));
    expect(message).toBe(`${file}:14:5: config.runway:egress: no entry is marked \`gitlab: true\`: mark the GitLab instance's range, the only one the registration hook may reach`);
  });

  it("the GitLab range must open the GitLab URL's port", () => {
    const { file, message } = errorOf((t) => t.replace("runway:gitlabUrl: https://gitlab.example.com", "runway:gitlabUrl: https://gitlab.example.com:8443"));
    expect(message).toBe(`${file}:14:5: config.runway:egress: the entries marked \`gitlab: true\` do not open port 8443 of https://gitlab.example.com:8443: add it to their ports`);
  });

  it("a turn-up without the Kubernetes API server's addresses is refused, a turn-down is not", () => {
    const without = (t: string) => t.replace(/ {2}runway:kubeApiServer:\n(?: {4}.*\n)+/, "");
    const { file, message } = errorOf(without);
    expect(message).toBe(
      `${file}:5:3: config: runway:kubeApiServer is required: the registration hook records its outcome through the Kubernetes API; list the API server's addresses (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes) and port`,
    );
    expect(errorOf((t) => without(t).replace("config:\n", "config:\n  runway:state: down\n")).message).toBe("");
  });

  it("runway:gitlabCaFile must be a PEM file of the project", () => {
    const { file, message } = errorOf((t) => t.replace("config:\n", "config:\n  runway:gitlabCaFile: examples/selfhosted/missing-ca.pem\n"));
    expect(message).toBe(`${file}:5:24: config.runway:gitlabCaFile: examples/selfhosted/missing-ca.pem: file not found (relative paths start at the project root, where Pulumi.yaml is)`);
    const notPem = errorOf((t) => t.replace("config:\n", "config:\n  runway:gitlabCaFile: examples/selfhosted/kubeconfig.yaml\n"));
    expect(notPem.message).toBe(`${notPem.file}:5:24: config.runway:gitlabCaFile: examples/selfhosted/kubeconfig.yaml holds no PEM certificate (-----BEGIN CERTIFICATE-----); export the CA that signed GitLab's certificate as PEM`);
  });

  it("a stack without egress is refused", () => {
    const { file, message } = errorOf((t) => t.replace(/ {2}runway:egress:\n(?: {4}.*\n)+/, ""));
    expect(message).toBe(`${file}:5:3: config.runway:egress: required field is missing; expected a list`);
  });
});

const input: TurnUpInput = {
  service: "ai-gateway",
  chart: "oci://registry.example.com/charts/ai-gateway",
  gitlabRelease: "17.9",
  gitlabUrl: "https://gitlab.example.com",
  state: "up",
  installFlux: true,
  values: {},
  egress: [{ cidr: "10.0.0.0/8", ports: [443], gitlab: true }],
  ingress: [],
  quota: { cpu: "4", memory: "8Gi", pods: 30 },
  keepData: [],
  kubeApiServer: [{ cidr: "172.16.0.2/32", ports: [443] }],
  registrationRetry: 0,
};

describe("self-hosted turn-up decisions", () => {
  it("the component refuses bad arguments with every problem at once", () => {
    expect(() => planTurnUp({ ...input, gitlabRelease: "v17", egress: [], keepData: ["a", "a", "Data"] })).toThrow(
      "SelfHostedTurnUp ai-gateway: gitlabRelease 'v17' is not a GitLab release: use MAJOR.MINOR such as 17.9; egress is empty: list at least the GitLab instance's range, or the workload cannot finalize its registration; egress: no entry is marked `gitlab: true`: mark the GitLab instance's range, the only one the registration hook may reach; keepData[2] 'Data' is not a PersistentVolumeClaim name: use lowercase letters, digits and '-'; keepData lists 'a' twice",
    );
  });

  it("chart tags follow the GitLab release for every X.Y and nothing else", () => {
    fc.assert(
      fc.property(fc.nat(99), fc.nat(99), (major, minor) => {
        expect(chartTag(`${major}.${minor}`)).toBe(`gitlab-${major}.${minor}`);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        if (/^[0-9]+\.[0-9]+$/.test(s)) return;
        expect(() => chartTag(s)).toThrow(/is not a GitLab release: use MAJOR\.MINOR such as 17\.9$/);
      }),
    );
  });

  it("egress to the whole internet, or to a range holding the metadata server, is refused (K2)", () => {
    expect(() => planTurnUp({ ...input, egress: [{ cidr: "0.0.0.0/0", ports: [443] }] })).toThrow(/egress\[0\]: '0\.0\.0\.0\/0' opens the tenant's egress to the internet/);
    expect(() => planTurnUp({ ...input, egress: [{ cidr: "169.0.0.0/8", ports: [443] }] })).toThrow(/egress\[0\]: '169\.0\.0\.0\/8' reaches the link-local range/);
    expect(() => planTurnUp({ ...input, egress: [{ cidr: "0.0.0.0/1", ports: [443] }, { cidr: "128.0.0.0/1", ports: [443] }] })).toThrow(/together cover every IPv4 address/);
  });

  it("the kubeconfig reader never fails with anything but a reason", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const facts = kubeconfigFacts(text);
          expect(Array.isArray(kubeconfigProblems(facts, "k", "ctx"))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
