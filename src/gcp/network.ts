/**
 * Decisions of the `Network` component as pure functions: validation of the address plan, subnet, NAT and
 * firewall arguments. https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips
 */
import { cidr, cidrsOverlap, GCP_REGIONS } from "../config/schema/common";

export interface SubnetSpec {
  /** GCP region of the subnet. */
  region: string;
  /** Primary range (nodes). */
  cidr: string;
  /** Secondary range for pods. */
  pods: string;
  /** Secondary range for services. */
  services: string;
  /**
   * Range of the region's proxy-only subnet, the source of the regional internal Application Load Balancer's
   * (internal Gateway's) traffic to pods. Default none: no proxy-only subnet.
   * https://cloud.google.com/load-balancing/docs/proxy-only-subnets
   */
  proxyOnly?: string;
}

export interface NetworkSpec {
  /** GCP name of the VPC; subnets, routers and firewall rules are named after it. */
  name: string;
  subnets: SubnetSpec[];
  /** Control-plane ranges (`masterIpv4CidrBlock` of clusters) allowed to reach nodes' webhook ports. */
  controlPlaneCidrs?: string[];
  /** TCP ports Google's health checkers may reach on nodes. */
  servingPorts?: string[];
}

/** Network tag every Runway node carries; firewall rules target it rather than every instance of the VPC. */
export const NODE_TAG = "runway-gke-node";
/** Secondary range names; stable so that clusters refer to them by name. */
export const PODS_RANGE = "pods";
export const SERVICES_RANGE = "services";
/** Google front ends' health-check sources. https://cloud.google.com/load-balancing/docs/health-check-concepts#ip-ranges */
export const HEALTH_CHECK_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];
/** Ports the control plane calls on nodes: admission webhooks (443, 8443) and the kubelet (10250). */
export const CONTROL_PLANE_PORTS = ["443", "8443", "10250"];
/**
 * `private.googleapis.com`: the addresses through which Private Google Access reaches Google APIs, and their range.
 * Resolving `*.googleapis.com` to them gives workloads fixed destinations a NetworkPolicy can allow.
 * https://cloud.google.com/vpc/docs/configure-private-google-access#domain-options
 */
export const PRIVATE_GOOGLE_APIS_CIDR = "199.36.153.8/30";
export const PRIVATE_GOOGLE_APIS_ADDRESSES = ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"];
/** Default serving ports: HTTP(S), common container ports, kube-proxy health (10256) and NodePorts. */
export const DEFAULT_SERVING_PORTS = ["80", "443", "8080", "8443", "10256", "30000-32767"];

const RESOURCE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const PORT = /^([0-9]{1,5})(-([0-9]{1,5}))?$/;

function portProblem(p: string): boolean {
  const m = PORT.exec(p);
  if (!m) return true;
  const lo = Number(m[1]);
  const hi = m[3] === undefined ? lo : Number(m[3]);
  return lo < 1 || hi > 65535 || lo > hi;
}

/** Every problem of Network args, naming the field, the value and the fix. */
export function networkProblems(spec: NetworkSpec): string[] {
  const out: string[] = [];
  if (!RESOURCE_NAME.test(spec.name) || spec.name.length > 39) {
    out.push(`Network name '${spec.name}' must be a GCP resource name of at most 39 characters: lowercase letters, digits and '-', starting with a letter`);
  }
  if (spec.subnets.length === 0) out.push("Network subnets is empty; list one subnet per region");
  const ranges: { field: string; value: string }[] = [];
  const seen = new Set<string>();
  spec.subnets.forEach((s, i) => {
    if (!(GCP_REGIONS as readonly string[]).includes(s.region)) out.push(`Network subnets[${i}].region '${s.region}' is not a GCP region such as us-east1 or europe-west4`);
    if (seen.has(s.region)) out.push(`Network subnets[${i}].region '${s.region}' already has a subnet; use one subnet per region`);
    seen.add(s.region);
    ranges.push({ field: `subnets[${i}].cidr`, value: s.cidr }, { field: `subnets[${i}].pods`, value: s.pods }, { field: `subnets[${i}].services`, value: s.services });
    if (s.proxyOnly !== undefined) {
      ranges.push({ field: `subnets[${i}].proxyOnly`, value: s.proxyOnly });
      const name = proxyOnlyName(spec.name, s.region);
      if (name.length > 63) out.push(`Network subnets[${i}].proxyOnly: the proxy-only subnet's name '${name}' is longer than 63 characters; shorten the network name`);
    }
  });
  (spec.controlPlaneCidrs ?? []).forEach((c, i) => ranges.push({ field: `controlPlaneCidrs[${i}]`, value: c }));
  const valid = ranges.filter((r) => {
    const ok = cidr.safeParse(r.value).success;
    if (!ok) out.push(`Network ${r.field} '${r.value}' is not an IPv4 CIDR block such as 10.0.0.0/20 (address aligned to the prefix)`);
    return ok;
  });
  valid.forEach((a, i) =>
    valid.slice(0, i).filter((b) => cidrsOverlap(a.value, b.value)).forEach((b) => {
      out.push(`Network ${a.field} ${a.value} overlaps ${b.field} ${b.value}; choose disjoint ranges`);
    }),
  );
  for (const p of spec.servingPorts ?? []) {
    if (portProblem(p)) out.push(`Network servingPorts entry '${p}' must be a port or range such as 8080 or 30000-32767`);
  }
  return out;
}

/** GCP name of the subnet, router and NAT of a region. */
export function regionalName(network: string, region: string): string {
  return `${network}-${region}`;
}

/** Subnet with private Google access and flow logs; the secondary ranges carry the stable names. */
export function subnetArgs(network: string, s: SubnetSpec) {
  return {
    name: regionalName(network, s.region),
    region: s.region,
    ipCidrRange: s.cidr,
    privateIpGoogleAccess: true,
    secondaryIpRanges: [
      { rangeName: PODS_RANGE, ipCidrRange: s.pods },
      { rangeName: SERVICES_RANGE, ipCidrRange: s.services },
    ],
    logConfig: { aggregationInterval: "INTERVAL_5_SEC", flowSampling: 0.5, metadata: "INCLUDE_ALL_METADATA" },
  };
}

/** GCP name of a region's proxy-only subnet. */
export function proxyOnlyName(network: string, region: string): string {
  return `${regionalName(network, region)}-proxy`;
}

/**
 * The region's proxy-only subnet, where Envoy-based regional load balancers (the internal Gateway, gke-l7-rilb) run
 * their proxies. GCP accepts neither private Google access nor flow logs on it.
 * https://cloud.google.com/load-balancing/docs/proxy-only-subnets
 */
export function proxyOnlySubnetArgs(network: string, region: string, range: string) {
  return { name: proxyOnlyName(network, region), region, ipCidrRange: range, purpose: "REGIONAL_MANAGED_PROXY", role: "ACTIVE" };
}

/**
 * The private Cloud DNS zone that sends the VPC's Google API calls to `private.googleapis.com`: the zone
 * `googleapis.com.`, visible only to the VPC, with A records for `private.googleapis.com` and a wildcard CNAME to
 * it (the GKE and VPC documented pattern). Traffic to 199.36.153.8/30 leaves through the default route and
 * Private Google Access, never the internet.
 * https://cloud.google.com/vpc/docs/configure-private-google-access#config-domain
 */
export function googleApisZone(network: string) {
  return {
    zone: {
      name: `${network}-googleapis`,
      dnsName: "googleapis.com.",
      visibility: "private",
      description: "Google APIs through private.googleapis.com (Private Google Access)",
    },
    records: [
      { suffix: "private", name: "private.googleapis.com.", type: "A", ttl: 300, rrdatas: PRIVATE_GOOGLE_APIS_ADDRESSES },
      { suffix: "wildcard", name: "*.googleapis.com.", type: "CNAME", ttl: 300, rrdatas: ["private.googleapis.com."] },
    ],
  };
}

/**
 * Cloud NAT for one subnet (nodes and pods): private nodes (G1) reach the internet only through it. Dynamic port
 * allocation because every pod of a node shares the node's NAT ports.
 */
export function natArgs(network: string, region: string) {
  return {
    name: regionalName(network, region),
    region,
    natIpAllocateOption: "AUTO_ONLY",
    sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
    enableDynamicPortAllocation: true,
    enableEndpointIndependentMapping: false,
    logConfig: { enable: true, filter: "ERRORS_ONLY" },
  };
}

export interface FirewallRule {
  /** Suffix of the rule's name after the network name. */
  suffix: string;
  direction: "INGRESS";
  priority: number;
  sourceRanges: string[];
  targetTags?: string[];
  allows?: { protocol: string; ports?: string[] }[];
  denies?: { protocol: string }[];
  logConfig?: { metadata: string };
  description: string;
}

/**
 * The only ingress the VPC allows: Google health checks and the control plane to nodes. Everything else hits an
 * explicit, logged deny just above the implied one, so dropped traffic is visible.
 */
export function firewallRules(spec: Pick<NetworkSpec, "controlPlaneCidrs" | "servingPorts">): FirewallRule[] {
  const rules: FirewallRule[] = [
    {
      suffix: "allow-health-checks",
      direction: "INGRESS",
      priority: 1000,
      sourceRanges: HEALTH_CHECK_RANGES,
      targetTags: [NODE_TAG],
      allows: [{ protocol: "tcp", ports: spec.servingPorts ?? DEFAULT_SERVING_PORTS }],
      description: "Google load balancer health checks to nodes",
    },
  ];
  if (spec.controlPlaneCidrs?.length) {
    rules.push({
      suffix: "allow-control-plane",
      direction: "INGRESS",
      priority: 1000,
      sourceRanges: spec.controlPlaneCidrs,
      targetTags: [NODE_TAG],
      allows: [{ protocol: "tcp", ports: CONTROL_PLANE_PORTS }],
      description: "GKE control plane to admission webhooks and kubelets",
    });
  }
  rules.push({
    suffix: "deny-all-ingress",
    direction: "INGRESS",
    priority: 65534,
    sourceRanges: ["0.0.0.0/0"],
    denies: [{ protocol: "all" }],
    logConfig: { metadata: "INCLUDE_ALL_METADATA" },
    description: "Deny and log all other ingress",
  });
  return rules;
}

/** The VPC's id, from its project and name (a regional stack adds a subnet to a VPC another stack owns). */
export function networkIdOf(project: string, network: string): string {
  return `projects/${project}/global/networks/${network}`;
}

/** Every problem of RegionalNetwork args: one region's ranges and names, as for a Network of that one subnet. */
export function regionalNetworkProblems(spec: { network: string; subnet: SubnetSpec; controlPlaneCidrs?: string[] }): string[] {
  const problems = networkProblems({ name: spec.network, subnets: [spec.subnet], controlPlaneCidrs: spec.controlPlaneCidrs }).map((m) => m.replace(/^Network /, "RegionalNetwork "));
  const rule = `${regionalName(spec.network, spec.subnet.region)}-allow-control-plane`;
  if (rule.length > 63) problems.push(`RegionalNetwork: the firewall rule's name '${rule}' is longer than 63 characters; shorten the network name`);
  return problems;
}
