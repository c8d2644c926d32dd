/**
 * Charts as OCI artifacts, laid out as `helm push` does (helm-artifact.ts) so that `helm pull oci://...` and Flux's
 * OCIRepository and HelmRelease read them. Tags are the chart's labels: its version (immutable), the GitLab release
 * it is compatible with (`gitlab-X.Y`) and the deployment stages it has reached.
 *
 * Publishing pushes blobs, then the manifest by digest, and only then the tags, so an interrupted upload never
 * leaves a tag on an incomplete artifact. Shared tags (gitlab-X.Y, stages, --tag) only ever move forward in SemVer
 * order: a retried old pipeline cannot roll a stage back. Every tag is checked before anything is uploaded.
 * Promotion copies an existing manifest to a stage tag, with the same forward-only rule: no upload.
 */
import semver from "semver";
import { RegistryClient, type ClientOptions } from "./client";
import { chartArtifact, HELM_CONFIG_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE, type ChartArtifact } from "./helm-artifact";
import { OciError, parseChartRef, parseRepositoryUrl, TAG, versionTag } from "./reference";

export { chartArtifact, HELM_CONFIG_MEDIA_TYPE, HELM_LAYER_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from "./helm-artifact";

const STAGE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

function checkStage(stage: string): void {
  if (!STAGE.test(stage) || stage.length > 30) {
    throw new OciError(`--stage '${stage}' must be a stage name such as staging or production (lowercase letters, digits, '-')`);
  }
}

/** Whether a tag reads as a chart version (1.2.3, v1.2.3, 1.2.3_build): those are set only by publishing that version. */
function looksLikeVersion(tag: string): boolean {
  return semver.valid(tag.replace(/_/g, "+"), { loose: true }) !== null;
}

/**
 * The tags a publish sets: the version first (immutable), then the GitLab release, the stage the chart enters and
 * extra tags, which all move.
 */
export function publishTags(a: Pick<ChartArtifact, "version" | "gitlabRelease">, o: { stage?: string; extra?: readonly string[] } = {}): string[] {
  const tags = [versionTag(a.version)];
  if (a.gitlabRelease) tags.push(`gitlab-${a.gitlabRelease}`);
  if (o.stage !== undefined) {
    checkStage(o.stage);
    tags.push(o.stage);
  }
  for (const t of o.extra ?? []) {
    if (!TAG.test(t)) throw new OciError(`--tag '${t}' is not a valid OCI tag (letters, digits, '_', '.', '-'; at most 128)`);
    if (looksLikeVersion(t) && t !== tags[0]) throw new OciError(`--tag '${t}' reads as a chart version; a version tag is only set by publishing that version`);
    if (!tags.includes(t)) tags.push(t);
  }
  return tags;
}

/** Version of the chart a manifest points at: Helm's version annotation, else the config blob. */
async function versionOf(client: RegistryClient, bytes: Buffer): Promise<string | undefined> {
  let m: { config?: { mediaType?: string; digest?: string }; annotations?: Record<string, string> };
  try {
    m = JSON.parse(bytes.toString("utf8")) as typeof m;
  } catch {
    return undefined;
  }
  if (m.config?.mediaType !== HELM_CONFIG_MEDIA_TYPE) return undefined;
  const annotated = m.annotations?.["org.opencontainers.image.version"];
  if (annotated) return annotated;
  if (!m.config.digest) return undefined;
  try {
    const v = (JSON.parse((await client.getBlob(m.config.digest)).toString("utf8")) as { version?: unknown }).version;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Why moving `tag` from its current manifest to `version` would go backwards, or undefined when it may move. */
async function backwards(client: RegistryClient, tag: string, version: string, digest: string): Promise<string | undefined> {
  const current = await client.getManifest(tag, [OCI_MANIFEST_MEDIA_TYPE]);
  if (!current || current.digest === digest) return undefined;
  const at = await versionOf(client, current.bytes);
  if (at === undefined || !semver.valid(at, { loose: true })) return `${tag} points at ${current.digest}, which is not a chart version Runway can order`;
  if (semver.gt(at, version, { loose: true })) return `${tag} points at ${at}, newer than ${version}`;
  return undefined;
}

export interface PublishResult {
  ref: string;
  digest: string;
  tags: string[];
  uploaded: string[];
}

export interface PublishOptions extends ClientOptions {
  /** Stage tag the chart enters, e.g. staging. */
  stage?: string;
  /** Extra tags, which move like stage tags. */
  tags?: readonly string[];
  /** Move shared tags even to an older version. */
  force?: boolean;
  /** The archive's mtime: the manifest's org.opencontainers.image.created, as `helm push` sets it. */
  created?: Date;
  /** Force chunked blob uploads (tests; huge charts are chunked anyway). */
  chunked?: boolean;
}

/** Publishes a chart .tgz under `oci://HOST/PATH/<name>`. Safe to repeat with the same archive. */
export async function publishChart(tgz: Buffer, target: string, o: PublishOptions = {}, file?: string): Promise<PublishResult> {
  const art = chartArtifact(tgz, file, o.created);
  const { host, repository: parent } = parseRepositoryUrl(target);
  const repository = `${parent}/${art.name}`;
  const tags = publishTags(art, { stage: o.stage, extra: o.tags });
  const client = new RegistryClient(host, repository, o);
  const ref = `oci://${host}/${repository}:${tags[0]}`;

  // Versions are immutable: a different artifact under an existing version tag is a mistake, not an update.
  const existing = await client.getManifest(tags[0], [OCI_MANIFEST_MEDIA_TYPE]);
  if (existing && existing.digest !== art.manifestDigest) {
    throw new OciError(`${ref} already exists with other content (${existing.digest}); chart versions are immutable, build with a new --version`);
  }
  if (!o.force) {
    const refused: string[] = [];
    for (const tag of tags.slice(1)) {
      const why = await backwards(client, tag, art.version, art.manifestDigest);
      if (why) refused.push(why);
    }
    if (refused.length > 0) {
      throw new OciError(`not publishing ${ref}: ${refused.join("; ")}; shared tags never move to an older version (a retried old pipeline would roll them back): publish without those tags, or pass --force to move them anyway`);
    }
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
  version: string;
}

export interface PromoteOptions extends ClientOptions {
  /** Move the stage even to an older version: a deliberate rollback. */
  force?: boolean;
}

/** Points the stage tag at an existing chart version: GET the manifest by version, PUT it under the stage. */
export async function promoteChart(chartRef: string, stage: string, o: PromoteOptions = {}): Promise<PromoteResult> {
  const { host, repository, tag } = parseChartRef(chartRef);
  checkStage(stage);
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
  const version = await versionOf(client, found.bytes);
  if (version === undefined || !semver.valid(version, { loose: true })) throw new OciError(`${chartRef} carries no chart version Runway can order; only published charts are promoted`);
  if (!o.force) {
    const why = await backwards(client, stage, version, found.digest);
    if (why) throw new OciError(`not promoting ${chartRef}: stage ${why}; a promotion never rolls a stage back unless --force (a deliberate rollback)`);
  }
  await client.putManifest(stage, found.bytes, found.mediaType || OCI_MANIFEST_MEDIA_TYPE);
  return { ref: chartRef, stage, digest: found.digest, version };
}

export interface ResolveResult {
  version: string;
  digest: string;
}

/**
 * The chart version and manifest digest a tag points at (a stage, gitlab-X.Y or version tag), for Helm, which only
 * takes SemVer versions or digests: `helm install NAME oci://HOST/PATH/NAME --version VERSION`, or `...NAME@DIGEST`.
 */
export async function resolveChart(chartRef: string, o: ClientOptions = {}): Promise<ResolveResult> {
  const { host, repository, tag } = parseChartRef(chartRef);
  const client = new RegistryClient(host, repository, o);
  const found = await client.getManifest(tag, [OCI_MANIFEST_MEDIA_TYPE]);
  if (!found) throw new OciError(`${chartRef} not found: the registry has no tag ${tag} in ${host}/${repository}`);
  const version = await versionOf(client, found.bytes);
  if (version === undefined) throw new OciError(`${chartRef} is not a Helm chart`);
  return { version, digest: found.digest };
}
