import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gcpLabels } from "../../src/naming";
import { environmentWildcard, externalGateway, gatewayNamespace, globalGateway, internalGateway } from "../../src/platform/gateway";

export interface SharedGatewayArgs {
  /** Project of the cluster (certificates and the global address live here). */
  project: pulumi.Input<string>;
  /** Region of the cluster: the internal Gateway and its certificate are regional. */
  region: string;
  /** Environment served, e.g. `staging`; hosts are `<service>.<environment>.<domain>`. */
  environment: string;
  /** DNS domain, e.g. `runway.gitlab.net`. */
  domain: string;
  /**
   * Create the internal Gateway (regional internal Application Load Balancer, `gke-l7-rilb`) and its regional
   * certificate. Its load balancer needs a proxy-only subnet in `region` (Network `subnets[].proxyOnly`), so
   * only set this when the region has one. Default false: external Gateway only.
   * https://cloud.google.com/kubernetes-engine/docs/concepts/gatewayclass-capabilities
   */
  internal?: boolean;
  /**
   * Create the multi-cluster Gateway too (an environment with several regions, on its primary cluster): the same
   * wildcard host and certificate map on an address of its own, served by a global external Application Load
   * Balancer across the fleet's clusters. `ready`: the fleet features that install its GatewayClass. Default none.
   * https://cloud.google.com/kubernetes-engine/docs/how-to/deploying-multi-cluster-gateways
   */
  multiRegion?: { ready: pulumi.Input<pulumi.Resource>[] };
}

type DnsRecords = pulumi.Output<gcp.types.output.certificatemanager.DnsAuthorizationDnsResourceRecord[]>;

/**
 * The platform's shared Gateways: Google-managed wildcard certificates (DNS-authorized, so they renew without
 * any traffic) and the external and internal Gateway objects tenants attach their routes to.
 */
export class SharedGateway extends pulumi.ComponentResource {
  /** DNS records (a CNAME) that authorize the global certificate; publish them in the environment's zone. */
  readonly dnsAuthorizationRecord: DnsRecords;
  /** DNS records (a CNAME) that authorize the internal Gateway's regional certificate; only with `internal`. */
  readonly regionalDnsAuthorizationRecord: DnsRecords | undefined;
  /** IP address of the external Gateway; `*.<environment>.<domain>` points at it. */
  readonly externalAddress: pulumi.Output<string>;
  /** IP address of the multi-cluster Gateway; the host of every service in several regions points at it. */
  readonly multiRegionAddress: pulumi.Output<string> | undefined;

  constructor(name: string, args: SharedGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:platform:SharedGateway", name, {}, opts);
    const labels = gcpLabels({ environment: args.environment });
    const zone = `${args.environment}.${args.domain}`;
    const domains = [environmentWildcard(args.environment, args.domain), zone];
    const child = { parent: this };

    // PER_PROJECT_RECORD: the platform cluster and a dedicated cluster serve the same environment domain from two
    // projects; per-project challenge records keep their authorizations from colliding on one _acme-challenge name.
    const auth = new gcp.certificatemanager.DnsAuthorization(
      `${name}-global`,
      { project: args.project, domain: zone, name: `${name}-global`, type: "PER_PROJECT_RECORD", labels },
      child,
    );
    const cert = new gcp.certificatemanager.Certificate(
      `${name}-global`,
      { project: args.project, name: `${name}-global`, labels, managed: { domains, dnsAuthorizations: [auth.id] } },
      child,
    );
    const map = new gcp.certificatemanager.CertificateMap(`${name}`, { project: args.project, name, labels }, child);
    new gcp.certificatemanager.CertificateMapEntry(
      `${name}-wildcard`,
      { project: args.project, name: `${name}-wildcard`, map: map.name, hostname: domains[0], certificates: [cert.id], labels },
      child,
    );
    const address = new gcp.compute.GlobalAddress(`${name}-external`, { project: args.project, name: `${name}-external`, labels }, child);

    const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: gatewayNamespace(args.environment).metadata }, child);
    new k8s.apiextensions.CustomResource(`${name}-external`, externalGateway(args.environment, args.domain, name, `${name}-external`), { parent: this, dependsOn: [ns, map, address] });

    if (args.internal) {
      const regionalAuth = new gcp.certificatemanager.DnsAuthorization(
        `${name}-${args.region}`,
        { project: args.project, domain: zone, name: `${name}-${args.region}`, location: args.region, type: "PER_PROJECT_RECORD", labels },
        child,
      );
      const regionalCert = new gcp.certificatemanager.Certificate(
        `${name}-${args.region}`,
        { project: args.project, name: `${name}-${args.region}`, location: args.region, labels, managed: { domains, dnsAuthorizations: [regionalAuth.id] } },
        child,
      );
      new k8s.apiextensions.CustomResource(`${name}-internal`, internalGateway(args.environment, args.domain, `${name}-${args.region}`), { parent: this, dependsOn: [ns, regionalCert] });
      this.regionalDnsAuthorizationRecord = regionalAuth.dnsResourceRecords;
    }

    if (args.multiRegion) {
      const global = new gcp.compute.GlobalAddress(`${name}-multi-region`, { project: args.project, name: `${name}-multi-region`, labels }, child);
      new k8s.apiextensions.CustomResource(`${name}-multi-region`, globalGateway(args.environment, args.domain, name, `${name}-multi-region`), {
        parent: this,
        dependsOn: [ns, map, global, ...args.multiRegion.ready],
      });
      this.multiRegionAddress = global.address;
    }

    this.dnsAuthorizationRecord = auth.dnsResourceRecords;
    this.externalAddress = address.address;
    this.registerOutputs({
      dnsAuthorizationRecord: this.dnsAuthorizationRecord,
      regionalDnsAuthorizationRecord: this.regionalDnsAuthorizationRecord,
      externalAddress: this.externalAddress,
      multiRegionAddress: this.multiRegionAddress,
    });
  }
}
