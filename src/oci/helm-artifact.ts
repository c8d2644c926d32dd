/**
 * A chart archive as the OCI artifact `helm push` makes of it, byte for byte: the config blob is Helm's
 * chart.Metadata marshalled by Go (fields in Helm's order, strings sanitised as Helm's loader does, Go's escaping),
 * and the manifest carries Helm's annotations, with org.opencontainers.image.created taken from the archive's mtime
 * as Helm 4 does (pkg/pusher/ocipusher.go). The same .tgz with the same mtime gives the same digests with either
 * tool.
 */
import semver from "semver";
import { parse as parseYaml } from "yaml";
import { readArchive } from "../chart/archive";
import { GITLAB_RELEASE_ANNOTATION } from "../chart/build";
import { sha256 } from "./client";
import { asGoValue, goMarshal } from "./go-json";
import { OciError } from "./reference";

export const HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json";
export const HELM_LAYER_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
export const OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

export interface ChartArtifact {
  name: string;
  version: string;
  gitlabRelease?: string;
  config: Buffer;
  layer: Buffer;
  manifest: Buffer;
  manifestDigest: string;
}

// Go's unicode.IsSpace and unicode.IsPrint, as Helm's sanitizeString uses them.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/gu;
const NOT_PRINT = /[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/gu;

/** Helm's sanitizeString: every space becomes ' ', non-printable characters go. */
function sanitize(s: string): string {
  return s.replace(SPACE, " ").replace(NOT_PRINT, "");
}

function goTrimSpace(s: string): string {
  return s.replace(new RegExp(`^${SPACE.source}+|${SPACE.source}+$`, "gu"), "");
}

type Meta = Record<string, unknown>;

function field(meta: Meta, key: string, where: string, type: "string" | "boolean" | "array" | "object"): unknown {
  const v = meta[key];
  if (v === undefined || v === null) return undefined;
  const ok = type === "array" ? Array.isArray(v) : type === "object" ? typeof v === "object" && !Array.isArray(v) : typeof v === type;
  if (!ok) throw new OciError(`${where}: ${key} must be ${type === "string" ? "a string (quote it)" : `a${type === "array" || type === "object" ? "n" : ""} ${type}`}, as Helm reads Chart.yaml`);
  return v;
}

function strings(meta: Meta, key: string, where: string): string[] | undefined {
  const v = field(meta, key, where, "array") as unknown[] | undefined;
  if (v?.some((x) => typeof x !== "string")) throw new OciError(`${where}: every item of ${key} must be a string, as Helm reads Chart.yaml`);
  return v as string[] | undefined;
}

/** Helm's chart.Metadata after loading (Validate sanitises these fields), in its JSON field order. */
function helmMetadata(meta: Meta, where: string): Record<string, unknown> {
  const s = (k: string, clean = true) => {
    const v = field(meta, k, where, "string") as string | undefined;
    return v === undefined || v === "" ? undefined : clean ? sanitize(v) || undefined : v;
  };
  const list = (k: string) => {
    const v = strings(meta, k, where)?.map(sanitize);
    return v && v.length > 0 ? v : undefined;
  };
  const maintainers = (field(meta, "maintainers", where, "array") as Meta[] | undefined)?.map((m, i) => {
    if (m === null || typeof m !== "object") throw new OciError(`${where}: maintainers[${i}] must be a mapping with name, email or url`);
    const at = `${where}: maintainers[${i}]`;
    const g = (k: string) => {
      const v = field(m, k, at, "string") as string | undefined;
      return v ? sanitize(v) || undefined : undefined;
    };
    return { name: g("name"), email: g("email"), url: g("url") };
  });
  const annotations = field(meta, "annotations", where, "object") as Meta | undefined;
  if (annotations && Object.values(annotations).some((v) => typeof v !== "string")) {
    throw new OciError(`${where}: every annotation must be a string (quote it), as Helm reads Chart.yaml`);
  }
  const dependencies = (field(meta, "dependencies", where, "array") as Meta[] | undefined)?.map((d) => ({
    name: String(d?.name ?? ""),
    version: d?.version ? String(d.version) : undefined,
    repository: String(d?.repository ?? ""),
    condition: d?.condition ? String(d.condition) : undefined,
    tags: Array.isArray(d?.tags) && d.tags.length > 0 ? d.tags.map(String) : undefined,
    enabled: d?.enabled === true ? true : undefined,
    "import-values": Array.isArray(d?.["import-values"]) && d["import-values"].length > 0 ? asGoValue(d["import-values"]) : undefined,
    alias: d?.alias ? String(d.alias) : undefined,
  }));
  return {
    name: s("name"),
    home: s("home"),
    sources: list("sources"),
    version: s("version", false),
    description: s("description"),
    keywords: list("keywords"),
    maintainers: maintainers && maintainers.length > 0 ? maintainers : undefined,
    icon: s("icon"),
    apiVersion: s("apiVersion", false),
    condition: s("condition"),
    tags: s("tags"),
    appVersion: s("appVersion"),
    deprecated: field(meta, "deprecated", where, "boolean") === true ? true : undefined,
    annotations: annotations && Object.keys(annotations).length > 0 ? new Map(Object.entries(annotations)) : undefined,
    kubeVersion: s("kubeVersion"),
    dependencies: dependencies && dependencies.length > 0 ? dependencies : undefined,
    type: s("type", false),
  };
}

/** Go's time.Format(time.RFC3339) of a UTC time: seconds precision, `Z`. */
export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** Helm's generateOCIAnnotations: chart attributes, then the chart's own annotations (never title or version). */
function helmAnnotations(md: Record<string, unknown>, created: string): Map<string, string> {
  const out = new Map<string, string>();
  const add = (k: string, v: unknown) => {
    if (typeof v === "string" && goTrimSpace(v) !== "") out.set(k, v);
  };
  add("org.opencontainers.image.description", md.description);
  add("org.opencontainers.image.title", md.name);
  add("org.opencontainers.image.version", md.version);
  add("org.opencontainers.image.url", md.home);
  add("org.opencontainers.image.created", created);
  add("org.opencontainers.image.source", (md.sources as string[] | undefined)?.[0]);
  const maintainers = md.maintainers as { name?: string; email?: string }[] | undefined;
  if (maintainers) add("org.opencontainers.image.authors", maintainers.map((m) => `${m.name ?? ""}${m.email ? ` (${m.email})` : ""}`).join(", "));
  for (const [k, v] of (md.annotations as Map<string, string> | undefined) ?? []) {
    if (k !== "org.opencontainers.image.version" && k !== "org.opencontainers.image.title") out.set(k, v);
  }
  return out;
}

/**
 * Reads Chart.yaml from a chart .tgz and builds the artifact. `created` is the archive's mtime (the CLI passes the
 * file's; the Unix epoch otherwise, which `runway chart build` also stamps). Deterministic: same inputs, same digests.
 */
export function chartArtifact(tgz: Buffer, file = "chart archive", created: Date = new Date(0)): ChartArtifact {
  let files: Map<string, Buffer>;
  try {
    files = readArchive(tgz);
  } catch (e) {
    throw new OciError(`${file}: not a chart archive (${(e as Error).message}); build one with runway chart build`);
  }
  const chartYaml = [...files.keys()].find((p) => /^[^/]+\/Chart\.yaml$/.test(p));
  if (!chartYaml) throw new OciError(`${file}: no <name>/Chart.yaml inside; build the archive with runway chart build`);
  const where = `${file}: ${chartYaml}`;
  let meta: Meta;
  try {
    // Helm reads Chart.yaml as YAML 1.1 (sigs.k8s.io/yaml): `yes` is a boolean there, `1.10` a number.
    meta = parseYaml((files.get(chartYaml) as Buffer).toString("utf8"), { version: "1.1" }) as Meta;
  } catch (e) {
    throw new OciError(`${where} is not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) throw new OciError(`${where} must be a mapping`);
  const md = helmMetadata(meta, where);
  const name = md.name as string | undefined;
  const version = md.version as string | undefined;
  if (md.apiVersion !== "v2") throw new OciError(`${where} must have apiVersion: v2`);
  if (!name || !version) throw new OciError(`${where} needs a name and a version`);
  if (!semver.valid(version, { loose: true })) throw new OciError(`${where}: version '${version}' is not SemVer such as 1.4.0`);
  if (chartYaml !== `${name}/Chart.yaml`) throw new OciError(`${file}: the chart directory must be named after the chart (${name}/), found ${chartYaml}`);
  const config = Buffer.from(goMarshal(md), "utf8");
  // ocispec.Manifest marshalled by Go: schemaVersion, config, layers, annotations (no top-level mediaType).
  const manifest = Buffer.from(
    goMarshal({
      schemaVersion: 2,
      config: { mediaType: HELM_CONFIG_MEDIA_TYPE, digest: sha256(config), size: config.length },
      layers: [{ mediaType: HELM_LAYER_MEDIA_TYPE, digest: sha256(tgz), size: tgz.length }],
      annotations: helmAnnotations(md, rfc3339(created)),
    }),
    "utf8",
  );
  const annotations = md.annotations as Map<string, string> | undefined;
  return {
    name,
    version,
    gitlabRelease: annotations?.get(GITLAB_RELEASE_ANNOTATION),
    config,
    layer: tgz,
    manifest,
    manifestDigest: sha256(manifest),
  };
}
