/**
 * Regions and jurisdictions. Every GCP region that hosts GKE lies in one jurisdiction (a country, or the European
 * Union for its member states); `spec.residency` of a catalog entry and `runway:residency` of a Dedicated tenant
 * name one, and every region the service runs in must lie in it.
 * Locations: https://cloud.google.com/about/locations
 */
import type { GCP_REGIONS } from "./schema/common";

export type GcpRegion = (typeof GCP_REGIONS)[number];

/** Jurisdictions a service may be pinned to, by the ISO 3166 code of the country (`eu` for the European Union). */
export const JURISDICTIONS = {
  au: "Australia",
  br: "Brazil",
  ca: "Canada",
  ch: "Switzerland",
  cl: "Chile",
  eu: "European Union",
  hk: "Hong Kong",
  id: "Indonesia",
  il: "Israel",
  in: "India",
  jp: "Japan",
  kr: "South Korea",
  mx: "Mexico",
  qa: "Qatar",
  sa: "Saudi Arabia",
  sg: "Singapore",
  tw: "Taiwan",
  uk: "United Kingdom",
  us: "United States",
  za: "South Africa",
} as const;

export type Jurisdiction = keyof typeof JURISDICTIONS;

export const JURISDICTION_CODES = Object.keys(JURISDICTIONS) as [Jurisdiction, ...Jurisdiction[]];

/**
 * The jurisdiction of each region. London (europe-west2) is the United Kingdom's and Zurich (europe-west6)
 * Switzerland's, not the European Union's.
 */
export const REGION_JURISDICTION: Readonly<Record<GcpRegion, Jurisdiction>> = {
  "africa-south1": "za",
  "asia-east1": "tw",
  "asia-east2": "hk",
  "asia-northeast1": "jp",
  "asia-northeast2": "jp",
  "asia-northeast3": "kr",
  "asia-south1": "in",
  "asia-south2": "in",
  "asia-southeast1": "sg",
  "asia-southeast2": "id",
  "australia-southeast1": "au",
  "australia-southeast2": "au",
  "europe-central2": "eu",
  "europe-north1": "eu",
  "europe-north2": "eu",
  "europe-southwest1": "eu",
  "europe-west1": "eu",
  "europe-west2": "uk",
  "europe-west3": "eu",
  "europe-west4": "eu",
  "europe-west6": "ch",
  "europe-west8": "eu",
  "europe-west9": "eu",
  "europe-west10": "eu",
  "europe-west12": "eu",
  "me-central1": "qa",
  "me-central2": "sa",
  "me-west1": "il",
  "northamerica-northeast1": "ca",
  "northamerica-northeast2": "ca",
  "northamerica-south1": "mx",
  "southamerica-east1": "br",
  "southamerica-west1": "cl",
  "us-central1": "us",
  "us-east1": "us",
  "us-east4": "us",
  "us-east5": "us",
  "us-south1": "us",
  "us-west1": "us",
  "us-west2": "us",
  "us-west3": "us",
  "us-west4": "us",
};

/** The jurisdiction a region lies in; undefined for a name that is not a known region. */
export function jurisdictionOf(region: string): Jurisdiction | undefined {
  return (REGION_JURISDICTION as Readonly<Record<string, Jurisdiction>>)[region];
}

/** Whether a region lies in a jurisdiction. */
export function inJurisdiction(region: string, j: Jurisdiction): boolean {
  return jurisdictionOf(region) === j;
}

/** "eu (European Union)", as messages name a jurisdiction. */
export function jurisdictionName(j: Jurisdiction): string {
  return `${j} (${JURISDICTIONS[j]})`;
}
