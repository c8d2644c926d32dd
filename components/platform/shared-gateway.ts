import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gcpLabels } from "../../src/naming";
import { environmentWildcard, externalGateway, gatewayNamespace, internalGateway } from "../../src/platform/gateway";

export interface SharedGatewayArgs {
  /** Project of the cluster (certificates and the global address live here). */
  project: pulumi.Input<string>;
  /** Region of the cluster: the internal Gateway and its certificate are regional. */
  region: string;
  /** Environment served, e.g. `staging`; hosts are `<service>.<environment>.<domain>`. */
  environment: string;
  /** DNS domain, e.g. `runway.gitlab.net`. */
  domain: string;
}

/**
 * The platform's shared Gateways: Google-managed wildcard certificates (DNS-authorized, so they renew without
 * any traffic) and the external and internal Gateway objects tenants attach their routes to.
 */
export class SharedGateway extends pulumi.ComponentResource {
  /** DNS record (CNAME) that authorizes the managed certificates; publish it in the environment's zone. */
  readonly dnsAuthorizationRecord: pulumi.Output<unknown>;
  readonly externalAddress: pulumi.Output<string>;

  constructor(name: string, args: SharedGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("runway:platform:SharedGateway", name, {}, opts);
    const labels = gcpLabels({ environment: args.environment });
    const zone = `${args.environment}.${args.domain}`;
    const domains = [environmentWildcard(args.environment, args.domain), zone];
    const child = { parent: this };

    const auth = new gcp.certificatemanager.DnsAuthorization(`${name}-global`, { project: args.project, domain: zone, name: `${name}-global`, labels }, child);
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
    const address = new gcp.compute.GlobalAddress(`${name}-external`, { project: args.project, name: `${name}-external`, labels }, child);

    const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: gatewayNamespace(args.environment).metadata }, child);
    const nsChild = { parent: this, dependsOn: [ns] };
    new k8s.apiextensions.CustomResource(`${name}-external`, externalGateway(args.environment, args.domain, name, `${name}-external`), { ...nsChild, dependsOn: [ns, map, address] });
    new k8s.apiextensions.CustomResource(`${name}-internal`, internalGateway(args.environment, args.domain, `${name}-${args.region}`), { ...nsChild, dependsOn: [ns, regionalCert] });

    this.dnsAuthorizationRecord = auth.dnsResourceRecords;
    this.externalAddress = address.address;
    this.registerOutputs({ dnsAuthorizationRecord: this.dnsAuthorizationRecord, externalAddress: this.externalAddress });
  }
}
