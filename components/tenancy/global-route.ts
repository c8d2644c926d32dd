import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { TenantSpec } from "../../src/config/catalog";
import { globalRoute, healthCheckPolicy } from "../../src/platform/fleet";

export interface GlobalRouteArgs {
  /** The tenant, resolved for its environment; its exposure names the Service, port and health-check path. */
  spec: TenantSpec;
  /** The tenant's host, `<name>.<environment>.<domain>`. */
  host: string;
  /** Resources the route waits for: the tenant's namespace, the multi-cluster Gateway and the fleet features. */
  ready: pulumi.Input<pulumi.Resource>[];
}

/**
 * A tenant's host on the environment's multi-cluster Gateway (on the primary cluster, in the tenant's namespace):
 * an HTTPRoute to the service imported from every cluster that exports it, and the HealthCheckPolicy the global
 * load balancer judges each region's pods by.
 */
export class GlobalRoute extends pulumi.ComponentResource {
  constructor(name: string, args: GlobalRouteArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.spec.exposure.visibility !== "external") {
      throw new Error(`GlobalRoute ${name}: ${args.spec.name} has exposure.visibility ${args.spec.exposure.visibility}; only external services are served by the multi-cluster Gateway`);
    }
    super("runway:tenancy:GlobalRoute", name, {}, opts);
    const after = { parent: this, dependsOn: args.ready };
    new k8s.apiextensions.CustomResource(`${name}-route`, globalRoute(args.spec, args.host), after);
    new k8s.apiextensions.CustomResource(`${name}-health-check`, healthCheckPolicy(args.spec), after);
    this.registerOutputs({});
  }
}
