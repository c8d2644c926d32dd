/**
 * Deterministic stand-ins for what the cloud would return, per resource type: enough for programs that read
 * computed outputs (a cluster endpoint, a project number, a service account email) to run offline.
 * In preview mode nothing computed is returned, so those outputs stay unknown as in `pulumi preview`.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

type State = Record<string, unknown>;

function digits(seed: string, n: number): string {
  const h = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; out.length < n; i++) out += String(h[i % h.length] % 10);
  return out.replace(/^0/, "1");
}

function hex(seed: string, n: number): string {
  return createHash("sha256").update(seed).digest("hex").slice(0, n);
}

/** Inputs overlaid with computed outputs, nested objects merged. */
function mergeState(inputs: State, computed: State): State {
  const out: State = { ...inputs };
  for (const [k, v] of Object.entries(computed)) {
    const given = inputs[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && given && typeof given === "object" ? mergeState(given as State, v as State) : v;
  }
  return out;
}

/** A fixed, syntactically valid PEM-in-base64 CA certificate stand-in. */
export const MOCK_CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIBmockRunwayOfflineCA\n-----END CERTIFICATE-----\n").toString("base64");

/** Computed outputs for a resource type, derived only from its name and inputs. */
export function computedOutputs(type: string, name: string, inputs: State): State {
  const project = (inputs.project as string | undefined) ?? "runway-mock-project";
  switch (type) {
    case "gcp:organizations/project:Project":
      return { number: digits(`project/${String(inputs.projectId)}`, 12) };
    case "gcp:serviceaccount/account:Account":
      return {
        email: `${String(inputs.accountId)}@${project}.iam.gserviceaccount.com`,
        member: `serviceAccount:${String(inputs.accountId)}@${project}.iam.gserviceaccount.com`,
        name: `projects/${project}/serviceAccounts/${String(inputs.accountId)}@${project}.iam.gserviceaccount.com`,
        uniqueId: digits(`sa/${name}`, 21),
      };
    case "gcp:container/cluster:Cluster":
      return {
        endpoint: `10.${Number(digits(name, 2)) % 250}.0.2`,
        masterAuth: { ...(inputs.masterAuth as State | undefined), clusterCaCertificate: MOCK_CA },
        selfLink: `https://container.googleapis.com/v1/projects/${project}/locations/${String(inputs.location)}/clusters/${String(inputs.name)}`,
        masterVersion: "1.33.5-gke.1000",
        labelFingerprint: hex(name, 8),
      };
    case "gcp:kms/keyRing:KeyRing":
      return { id: `projects/${project}/locations/${String(inputs.location)}/keyRings/${String(inputs.name)}` };
    case "gcp:kms/cryptoKey:CryptoKey":
      return { id: `${String(inputs.keyRing)}/cryptoKeys/${String(inputs.name)}` };
    case "gcp:compute/network:Network":
      return { selfLink: `https://www.googleapis.com/compute/v1/projects/${project}/global/networks/${String(inputs.name)}` };
    case "gcp:compute/subnetwork:Subnetwork":
      return { selfLink: `https://www.googleapis.com/compute/v1/projects/${project}/regions/${String(inputs.region)}/subnetworks/${String(inputs.name)}` };
    case "gcp:compute/globalAddress:GlobalAddress":
      return { address: `34.${Number(digits(`a/${name}`, 3)) % 256}.${Number(digits(`b/${name}`, 3)) % 256}.${Number(digits(`c/${name}`, 3)) % 256}` };
    case "gcp:certificatemanager/dnsAuthorization:DnsAuthorization": {
      // One CNAME under _acme-challenge: a fixed name for a global authorization, a per-project one otherwise.
      const label = inputs.type === "PER_PROJECT_RECORD" ? `_acme-challenge_${hex(`${project}/${name}`, 8)}` : "_acme-challenge";
      return { dnsResourceRecords: [{ name: `${label}.${String(inputs.domain)}.`, type: "CNAME", data: `${hex(name, 12)}.9.authorize.certificatemanager.goog.` }] };
    }
    case "gcp:iam/workloadIdentityPool:WorkloadIdentityPool":
      return { name: `projects/${digits(project, 12)}/locations/global/workloadIdentityPools/${String(inputs.workloadIdentityPoolId)}` };
    case "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider":
      return { name: `projects/${digits(project, 12)}/locations/global/workloadIdentityPools/${String(inputs.workloadIdentityPoolId)}/providers/${String(inputs.workloadIdentityPoolProviderId)}` };
    case "vault:index/authBackend:AuthBackend":
      return { accessor: `auth_kubernetes_${hex(name, 8)}` };
    case "pulumi-nodejs:dynamic:Resource":
      return { agentId: Number(digits(name, 6)), token: `glagent-${hex(`token/${name}`, 40)}`, tokenId: Number(digits(`tid/${name}`, 6)) };
    default:
      return {};
  }
}

/** The SDK's wire value for "unknown until apply" (runtime/rpc.ts unknownValue). */
const UNKNOWN_WIRE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Computed outputs with every value the cloud would compute replaced by "unknown", as in `pulumi preview`. */
export function unknownOutputs(computed: State, inputs: State): State {
  const out: State = {};
  for (const [k, v] of Object.entries(computed)) {
    const given = inputs[k];
    if (v && typeof v === "object" && !Array.isArray(v) && given && typeof given === "object") {
      const nested = unknownOutputs(v as State, given as State);
      if (Object.keys(nested).length > 0) out[k] = nested;
    } else if (given === undefined || JSON.stringify(given) !== JSON.stringify(v)) {
      out[k] = UNKNOWN_WIRE;
    }
  }
  return out;
}

export function planMocks(preview: boolean): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
      const inputs = args.inputs as State;
      const all = computedOutputs(args.type, args.name, inputs);
      const computed = preview ? unknownOutputs(all, inputs) : all;
      const id = (all.id as string | undefined) ?? `${args.name}-id`;
      return { id: preview ? undefined : id, state: mergeState(inputs, computed) };
    },
    call(args: pulumi.runtime.MockCallArgs): State {
      switch (args.token) {
        case "gcp:organizations/getClientConfig:getClientConfig":
          return { project: "runway-mock-project", region: "us-east1", zone: "us-east1-b", accessToken: "offline" };
        case "gcp:organizations/getProject:getProject":
          return { number: digits(String(args.inputs.projectId ?? "p"), 12), projectId: args.inputs.projectId };
        default:
          return args.inputs as State;
      }
    },
  };
}
