/**
 * Field types shared by every Runway schema: names, regions, CIDRs, URLs. Each carries the message a user sees.
 */
import { z } from "zod";

/** GCP regions that host GKE (https://cloud.google.com/about/locations). */
export const GCP_REGIONS = [
  "africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1",
  "asia-south2", "asia-southeast1", "asia-southeast2", "australia-southeast1", "australia-southeast2", "europe-central2",
  "europe-north1", "europe-north2", "europe-southwest1", "europe-west1", "europe-west2", "europe-west3", "europe-west4",
  "europe-west6", "europe-west8", "europe-west9", "europe-west10", "europe-west12", "me-central1", "me-central2",
  "me-west1", "northamerica-northeast1", "northamerica-northeast2", "northamerica-south1", "southamerica-east1",
  "southamerica-west1", "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2",
  "us-west3", "us-west4",
] as const;

export const gcpRegion = z.enum(GCP_REGIONS, {
  error: (iss) => `'${String(iss.input)}' is not a GCP region; expected e.g. us-east1 or europe-west4 (see https://cloud.google.com/about/locations)`,
});

/** A DNS-1123 label: lowercase letters, digits and '-', starting with a letter, ending alphanumeric. */
export const dnsLabel = (max: number) =>
  z
    .string()
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, {
      error: "must be a DNS label: lowercase letters, digits and '-', starting with a letter and not ending with '-'",
    })
    .max(max, { error: `must be at most ${max} characters` });

/** GCP project id rules (https://cloud.google.com/resource-manager/docs/creating-managing-projects). */
export const gcpProjectId = z
  .string()
  .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, {
    error: "must be a GCP project id: 6-30 characters, lowercase letters, digits and '-', starting with a letter, not ending with '-'",
  })
  .refine((s) => !/google|null|undefined|ssl/.test(s), {
    error: "GCP refuses project ids containing 'google', 'null', 'undefined' or 'ssl'",
  });

/** IPv4 CIDR block such as 10.0.0.0/20, with the address aligned to its prefix. */
export const cidr = z.string().refine(isAlignedCidr, {
  error: (iss) => `'${String(iss.input)}' is not an IPv4 CIDR block such as 10.0.0.0/20 (address aligned to the prefix)`,
});

export function parseCidr(s: string): { start: number; end: number; prefix: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const addr = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const size = 2 ** (32 - prefix);
  return { start: addr, end: addr + size - 1, prefix };
}

function isAlignedCidr(s: string): boolean {
  const c = parseCidr(s);
  return c !== undefined && c.start % 2 ** (32 - c.prefix) === 0;
}

/**
 * The broadest block a control plane's authorized network may be (G2): a /8, such as 10.0.0.0/8. A broader block
 * (a /7 or wider) holds at least two /8 networks, so it lets in a large part of the internet.
 */
export const BROADEST_AUTHORIZED_PREFIX = 8;

/**
 * Whether IPv4 CIDR blocks together cover every IPv4 address: `0.0.0.0/0`, and also sets such as `0.0.0.0/1` with
 * `128.0.0.0/1`. Text that is not an IPv4 CIDR block covers nothing.
 */
export function coversInternet(cidrs: readonly string[]): boolean {
  const blocks = cidrs
    .map(parseCidr)
    .filter((b) => b !== undefined)
    // An address not aligned to its prefix stands for the block that holds it.
    .map((b) => {
      const size = 2 ** (32 - b.prefix);
      const start = b.start - (b.start % size);
      return { start, end: start + size - 1 };
    })
    .sort((a, b) => a.start - b.start);
  let next = 0; // the lowest address not covered yet
  for (const b of blocks) {
    if (b.start > next) return false;
    next = Math.max(next, b.end + 1);
  }
  return next === 2 ** 32;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x !== undefined && y !== undefined && x.start <= y.end && y.start <= x.end;
}

export const ociUrl = z.string().regex(/^oci:\/\/[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)+$/, {
  error: "must be an oci:// URL such as oci://registry.gitlab.com/group/project/charts/name",
});

export const httpsUrl = z.string().regex(/^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[^\s]*)?$/, {
  error: "must be an https:// URL",
});

/** GitLab release a chart is compatible with: MAJOR.MINOR, as in the `gitlab-17.9` tag. */
export const gitlabRelease = z.string().regex(/^[0-9]+\.[0-9]+$/, {
  error: "must be a GitLab release MAJOR.MINOR such as 17.9",
});

/** A GitLab group or project path. */
export const gitlabPath = z.string().regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*$/, {
  error: "must be a GitLab group or project path such as gitlab-org/ai-framework",
});

/** Written reason for loosening a default or waiving a rule. */
export const justification = z
  .string()
  .trim()
  .min(20, { error: "a justification must explain the reason in at least 20 characters" });

/** The most CPU a namespace quota may name: 10000 cores (limits are twice the requests). */
export const MAX_CPU_CORES = 10_000;
/** The most memory a namespace quota may name: 64Ti. */
export const MAX_MEMORY_BYTES = 64 * 1024 ** 4;

/** Cores of a CPU quantity the schema accepts ("500m", "2", "1.5"). */
export function cpuCores(q: string): number {
  return q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

/** Bytes of a memory quantity the schema accepts ("512Mi", "4Gi", "1000"). */
export function memoryBytes(q: string): number {
  const m = /^([0-9]+)(Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) return Number.NaN;
  return Number(m[1]) * 1024 ** (m[2] ? ["Ki", "Mi", "Gi", "Ti"].indexOf(m[2]) + 1 : 0);
}

/**
 * Kubernetes quantities, bounded so that twice the value (the quota's limits) is still an exact Kubernetes quantity:
 * at most three decimals, 10000 cores, 64Ti.
 */
export const cpuQuantity = z
  .string()
  .regex(/^([0-9]{1,8}m|[0-9]{1,5}(\.[0-9]{1,3})?)$/, { error: "must be a CPU quantity such as 500m or 2 (at most three decimals)", abort: true })
  .refine((q) => cpuCores(q) > 0 && cpuCores(q) <= MAX_CPU_CORES, { error: `must be more than 0 and at most ${MAX_CPU_CORES} cores` });
export const memoryQuantity = z
  .string()
  .regex(/^[0-9]{1,16}(Ki|Mi|Gi|Ti)?$/, { error: "must be a memory quantity such as 512Mi or 4Gi", abort: true })
  .refine((q) => memoryBytes(q) > 0 && memoryBytes(q) <= MAX_MEMORY_BYTES, { error: "must be more than 0 and at most 64Ti" });

/** The most Helm values a file may inline (serialized as JSON): 64 KiB; larger configuration belongs in the chart. */
export const MAX_VALUES_BYTES = 64 * 1024;

/** Helm values: a mapping of at most MAX_VALUES_BYTES. */
export const helmValues = z.record(z.string(), z.unknown()).refine((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX_VALUES_BYTES, {
  error: (iss) => `holds ${Buffer.byteLength(JSON.stringify(iss.input))} bytes of values; at most ${MAX_VALUES_BYTES} may be inlined, so move large configuration into the chart`,
});

/** Stage names are OCI tags; they are also used in resource names. */
export const stageName = dnsLabel(30);
