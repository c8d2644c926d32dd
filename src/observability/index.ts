/**
 * Observability as data: typed Cloud Monitoring dashboards and alert policies, and Managed Service for Prometheus
 * scrape objects. Pure: no provider SDK, so it is tested without an engine.
 */
export * from "./alerts";
export * from "./checks";
export * from "./cluster-dashboard";
export * from "./fleet-dashboard";
export * from "./layout";
export * from "./promql";
export * from "./scraping";
export * from "./tenant-dashboard";
export * from "./types";
export * from "./widgets";
