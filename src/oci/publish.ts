/**
 * Charts as OCI artifacts, laid out as `helm push` does so that `helm pull oci://...` and Flux's OCIRepository and
 * HelmRelease read them: a Helm config blob (the chart metadata as JSON), one layer (the .tgz) and an OCI image
 * manifest. Tags are the chart's labels: its version, the GitLab release it is compatible with (`gitlab-X.Y`) and
 * the deployment stages it has reached.
 *
 * Publishing pushes blobs, then the manifest by digest, and only then the tags, so an interrupted upload never
 * leaves a tag on an incomplete artifact. Promotion copies an existing manifest to a stage tag: no upload.
 */
import { parse as parseYaml } from "yaml";
import { GITLAB_RELEASE_ANNOTATION as GITLAB_RELEASE, STAGE_ANNOTATION as STAGE } from "../chart/build";
import { untgz } from "../chart/tar";
import { RegistryClient, sha256, type ClientOptions } from "./client";
import { OciError, parseChartRef, parseRepositoryUrl, TAG, versionTag } from "./reference";

export const HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json";
export const HELM_LAYER_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
export const OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

export interface ChartArtifact {
  name: string;
  version: string;
  gitlabRelease?: string;
  stage?: string;
  config: Buffer;
  layer: Buffer;
  manifest: Buffer;
  manifestDigest: string;
}

// Helm's chart.Metadata JSON field order, so the config blob matches what `helm push` writes.
const METADATA_FIELDS = [
  "name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion", "condition", "tags",
  "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type",
];

/** Reads Chart.yaml from a chart .tgz and builds the artifact. Deterministic: same .tgz, same digests. */
export function chartArtifact(tgz: Buffer, file = "chart archive"): ChartArtifact {
  let files: Map<string, Buffer>;
  try {
    files = untgz(tgz);
  } catch (e) {
    throw new OciError(`${file}: not a chart archive (${(e as Error).message}); build one with runway chart build`);
  }
  const chartYaml = [...files.keys()].find((p) => /^[^/]+\/Chart\.yaml$/.test(p));
  if (!chartYaml) throw new OciError(`${file}: no <name>/Chart.yaml inside; build the archive with runway chart build`);
  let meta: Record<string, unknown>;
  try {
    meta = parseYaml((files.get(chartYaml) as Buffer).toString("utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new OciError(`${file}: ${chartYaml} is not valid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  const name = meta?.name;
  const version = meta?.version;
  if (meta?.apiVersion !== "v2") throw new OciError(`${file}: ${chartYaml} must have apiVersion: v2`);
  if (typeof name !== "string" || typeof version !== "string") throw new OciError(`${file}: ${chartYaml} needs a name and a version`);
  if (chartYaml !== `${name}/Chart.yaml`) throw new OciError(`${file}: the chart directory must be named after the chart (${name}/), found ${chartYaml}`);
  const annotations = (meta.annotations ?? {}) as Record<string, string>;
  const ordered: Record<string, unknown> = {};
  for (const f of METADATA_FIELDS) if (meta[f] !== undefined && meta[f] !== null && meta[f] !== "") ordered[f] = meta[f];
  const config = Buffer.from(JSON.stringify(ordered), "utf8");
  const ociAnnotations: Record<string, string> = {
    "org.opencontainers.image.description": String(meta.description ?? ""),
    "org.opencontainers.image.title": name,
    "org.opencontainers.image.version": version,
  };
  for (const k of [GITLAB_RELEASE, STAGE]) if (annotations[k]) ociAnnotations[k] = String(annotations[k]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: { mediaType: HELM_CONFIG_MEDIA_TYPE, digest: sha256(config), size: config.length },
      layers: [{ mediaType: HELM_LAYER_MEDIA_TYPE, digest: sha256(tgz), size: tgz.length }],
      annotations: ociAnnotations,
    }),
    "utf8",
  );
  return {
    name,
    version,
    gitlabRelease: annotations[GITLAB_RELEASE] ? String(annotations[GITLAB_RELEASE]) : undefined,
    stage: annotations[STAGE] ? String(annotations[STAGE]) : undefined,
    config,
    layer: tgz,
    manifest,
    manifestDigest: sha256(manifest),
  };
}

/** The tags a publish sets: version first (immutable), then the GitLab release, the entry stage and extra tags. */
export function publishTags(a: ChartArtifact, extra: readonly string[] = []): string[] {
  const tags = [versionTag(a.version)];
  if (a.gitlabRelease) tags.push(`gitlab-${a.gitlabRelease}`);
  if (a.stage) tags.push(a.stage);
  for (const t of extra) {
    if (!TAG.test(t)) throw new OciError(`--tag '${t}' is not a valid OCI tag (letters, digits, '_', '.', '-'; at most 128)`);
    if (!tags.includes(t)) tags.push(t);
  }
  return tags;
}

export interface PublishResult {
  ref: string;
  digest: string;
  tags: string[];
  uploaded: string[];
}

export interface PublishOptions extends ClientOptions {
  tags?: readonly string[];
  /** Force chunked blob uploads (tests; huge charts are chunked anyway). */
  chunked?: boolean;
}

/** Publishes a chart .tgz under `oci://HOST/PATH/<name>`. Safe to repeat with the same archive. */
export async function publishChart(tgz: Buffer, target: string, o: PublishOptions = {}, file?: string): Promise<PublishResult> {
  const art = chartArtifact(tgz, file);
  const { host, repository: parent } = parseRepositoryUrl(target);
  const repository = `${parent}/${art.name}`;
  const tags = publishTags(art, o.tags);
  const client = new RegistryClient(host, repository, o);
  const ref = `oci://${host}/${repository}:${tags[0]}`;

  // Versions are immutable: a different artifact under an existing version tag is a mistake, not an update.
  const existing = await client.getManifest(tags[0], [OCI_MANIFEST_MEDIA_TYPE]);
  if (existing && existing.digest !== art.manifestDigest) {
    throw new OciError(`${ref} already exists with other content (${existing.digest}); chart versions are immutable, build with a new --version`);
  }
  const uploaded: string[] = [];
  for (const [data, what] of [
    [art.config, "chart config"],
    [art.layer, "chart archive"],
  ] as const) {
    const r = await client.pushBlob(data, what, { chunked: o.chunked });
    if (r.uploaded) uploaded.push(r.digest);
  }
  await client.putManifest(art.manifestDigest, art.manifest, OCI_MANIFEST_MEDIA_TYPE);
  for (const tag of tags) await client.putManifest(tag, art.manifest, OCI_MANIFEST_MEDIA_TYPE);
  return { ref, digest: art.manifestDigest, tags, uploaded };
}

export interface PromoteResult {
  ref: string;
  stage: string;
  digest: string;
}

/** Points the stage tag at an existing chart version: GET the manifest by version, PUT it under the stage. */
export async function promoteChart(chartRef: string, stage: string, o: ClientOptions = {}): Promise<PromoteResult> {
  const { host, repository, tag } = parseChartRef(chartRef);
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(stage) || stage.length > 30) {
    throw new OciError(`--stage '${stage}' must be a stage name such as staging or production (lowercase letters, digits, '-')`);
  }
  const client = new RegistryClient(host, repository, o);
  const found = await client.getManifest(tag, [OCI_MANIFEST_MEDIA_TYPE]);
  if (!found) throw new OciError(`${chartRef} not found: the registry has no version ${tag} of ${host}/${repository}; publish it first with runway chart publish`);
  let parsed: { config?: { mediaType?: string } };
  try {
    parsed = JSON.parse(found.bytes.toString("utf8")) as typeof parsed;
  } catch {
    throw new OciError(`${chartRef} is not an OCI manifest`);
  }
  if (parsed.config?.mediaType !== HELM_CONFIG_MEDIA_TYPE) {
    throw new OciError(`${chartRef} is not a Helm chart (config media type ${parsed.config?.mediaType ?? "missing"}); only charts are promoted`);
  }
  await client.putManifest(stage, found.bytes, found.mediaType || OCI_MANIFEST_MEDIA_TYPE);
  return { ref: chartRef, stage, digest: found.digest };
}
