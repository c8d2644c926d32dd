/**
 * The chart compiler: a manifest becomes a standard Helm chart (Chart.yaml apiVersion v2, values.yaml,
 * values.schema.json, templates/ with _helpers.tpl and NOTES.txt, .helmignore, README.md) and its reproducible
 * .tgz. `compileChart` and `packageChart` are pure; output.ts writes them.
 *
 * The chart carries what never changes for a version: its GitLab release compatibility (an annotation). The
 * deployment stage is not in the chart: it lives only in the registry's stage tags, which promotion moves.
 */
import { Document, stringify } from "yaml";
import { gitlabRelease as gitlabReleaseSchema } from "../config/schema/common";
import { imageString, parseImageReference, type ImageReference } from "../manifest/image";
import type { Manifest } from "../manifest/schema";
import { chartHelpers, chartTemplates } from "../manifest/to-kubernetes";
import { packBuffers } from "./archive";
import { emitTemplate } from "./emit";
import { HELMIGNORE, chartNotes } from "./notes";
import { chartReadme } from "./readme";
import { defaultValues, manifestImage, reservedEnv, valuesJsonSchema, valuesSchema, type ChartValues } from "./values";

/** Chart.yaml annotation carrying the GitLab release a chart is compatible with (vision: the release dimension). */
export const GITLAB_RELEASE_ANNOTATION = "runway.gitlab.com/gitlab-release";
/** `lifecycle.preStop.sleep` needs Kubernetes 1.30. */
export const KUBE_VERSION = ">=1.30.0-0";
/** Chart icon unless --icon says otherwise: the GitLab logo, as GitLab's own charts use. */
export const DEFAULT_ICON = "https://gitlab.com/gitlab-com/gitlab-artwork/raw/master/logo/logo-square.png";

export interface BuildOptions {
  /** Chart version (SemVer 2). Default 0.1.0. */
  version?: string;
  /** GitLab release the chart is compatible with, MAJOR.MINOR. */
  gitlabRelease?: string;
  /** REPOSITORY:TAG, REPOSITORY@sha256:... or both, overriding spec.image, as the Cloud Run-era CI input did. */
  image?: string;
  /** The project's home page (Chart.yaml home), e.g. $CI_PROJECT_URL. */
  home?: string;
  /** Source code URLs (Chart.yaml sources). */
  sources?: string[];
  /** Chart icon URL. Default DEFAULT_ICON. */
  icon?: string;
  /** oci://HOST/PATH the chart is published under, for the README's install commands. */
  registry?: string;
  /** mtime of every archive entry (and of the written .tgz). Default: the Unix epoch. */
  mtime?: Date;
}

export interface CompiledChart {
  name: string;
  version: string;
  appVersion: string;
  values: ChartValues;
  /** Files of the chart, in archive order: paths relative to the chart directory. */
  files: Map<string, Buffer>;
  mtime: Date;
}

// semver.org's regular expression.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const URL_PATTERN = /^https?:\/\/[^\s"]+$/;
const OCI_URL = /^oci:\/\/[^\s"/]+\/[^\s"]+$/;

/** Problems with build options, as `--flag: message` lines. */
export function checkBuildOptions(o: BuildOptions): string[] {
  const errors: string[] = [];
  if (o.version !== undefined && !SEMVER.test(o.version)) errors.push(`--version: '${o.version}' is not SemVer 2 such as 1.4.0 or 1.4.0-rc.1`);
  if (o.gitlabRelease !== undefined) {
    const r = gitlabReleaseSchema.safeParse(o.gitlabRelease);
    if (!r.success) errors.push(`--gitlab-release: '${o.gitlabRelease}' ${r.error.issues[0].message}`);
  }
  if (o.image !== undefined && !parseImageReference(o.image)) {
    errors.push(`--image: '${o.image}' must be REPOSITORY:TAG, REPOSITORY@sha256:DIGEST or both, such as registry.gitlab.com/group/project/image:v1.2.3`);
  }
  for (const [flag, url] of [["--home", o.home], ["--icon", o.icon], ...(o.sources ?? []).map((s) => ["--source", s])] as const) {
    if (url !== undefined && !URL_PATTERN.test(url)) errors.push(`${flag}: '${url}' must be an http(s) URL`);
  }
  if (o.registry !== undefined && !OCI_URL.test(o.registry)) errors.push(`--registry: '${o.registry}' must be oci://HOST/PATH such as oci://registry.gitlab.com/group/project/charts`);
  if (o.mtime !== undefined && (Number.isNaN(o.mtime.getTime()) || o.mtime.getTime() < 0)) errors.push("SOURCE_DATE_EPOCH: must be a number of seconds since 1970");
  return errors;
}

export class BuildOptionError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "BuildOptionError";
  }
}

function chartDescription(m: Manifest): string {
  return `Runway service ${m.metadata.name} (owner ${m.metadata.owner_email_handle}, ${m.metadata.department_group}).`;
}

function chartYaml(m: Manifest, version: string, appVersion: string, o: BuildOptions): string {
  const annotations: Record<string, string> = {
    "runway.gitlab.com/manifest": ".runway/runway.yml",
    "runway.gitlab.com/regions": m.spec.regions.join(","),
  };
  if (o.gitlabRelease) annotations[GITLAB_RELEASE_ANNOTATION] = o.gitlabRelease;
  const chart = {
    apiVersion: "v2",
    name: m.metadata.name,
    description: chartDescription(m),
    type: "application",
    version,
    appVersion,
    kubeVersion: KUBE_VERSION,
    ...(o.home ? { home: o.home } : {}),
    ...(o.sources?.length ? { sources: o.sources } : {}),
    icon: o.icon ?? DEFAULT_ICON,
    keywords: ["runway", "gitlab", m.metadata.name],
    maintainers: [{ name: m.metadata.owner_email_handle }],
    annotations,
  };
  // YAML 1.1 output quotes what Helm's YAML 1.1 parser would otherwise read as a number or boolean (appVersion 1.10).
  return stringify(chart, { version: "1.1", lineWidth: 0 });
}

function valuesYaml(values: ChartValues): string {
  const doc = new Document(values, { version: "1.1" });
  const shape = valuesSchema.shape as Record<string, { description?: string }>;
  for (const key of Object.keys(values)) {
    const node = doc.contents && "items" in doc.contents ? (doc.contents.items as { key: { commentBefore?: string; value: string } }[]).find((p) => p.key.value === key) : undefined;
    const description = shape[key]?.description;
    if (node && description) node.key.commentBefore = ` ${description}`;
  }
  doc.commentBefore = " Default values, generated by `runway chart build` from .runway/runway.yml. values.schema.json checks every override.";
  return doc.toString({ lineWidth: 0 });
}

/** Compiles a validated manifest into chart files. Throws BuildOptionError for bad options. */
export function compileChart(m: Manifest, o: BuildOptions = {}): CompiledChart {
  const problems = checkBuildOptions(o);
  const flag = o.image ? parseImageReference(o.image) : undefined;
  const image: ImageReference | undefined = flag ?? manifestImage(m);
  if (!image && problems.length === 0) problems.push("--image: spec.image is not set in the manifest; set it there or pass --image REPOSITORY:TAG");
  if (problems.length > 0 || !image) throw new BuildOptionError(problems);
  const version = o.version ?? "0.1.0";
  const appVersion = image.tag ?? (image.digest as string);
  const values = defaultValues(m, image);
  const schema = valuesJsonSchema(reservedEnv(m));
  const name = m.metadata.name;
  const files = new Map<string, Buffer>();
  const text = (p: string, s: string) => files.set(p, Buffer.from(s, "utf8"));
  text(".helmignore", HELMIGNORE);
  text("Chart.yaml", chartYaml(m, version, appVersion, o));
  text("README.md", chartReadme({ name, version, description: chartDescription(m), gitlabRelease: o.gitlabRelease, registry: o.registry, image: imageString(image), valuesSchema: schema, values }));
  text("templates/NOTES.txt", chartNotes(m));
  text("templates/_helpers.tpl", chartHelpers(m));
  for (const t of chartTemplates(m)) text(`templates/${t.file}`, emitTemplate(t.object, name, t.checks));
  text("values.schema.json", `${JSON.stringify(schema, null, 2)}\n`);
  text("values.yaml", valuesYaml(values));
  return { name, version, appVersion, values, files, mtime: o.mtime ?? new Date(0) };
}

/** The chart's .tgz: entries under `<name>/`, as `helm package` lays them out. */
export function packageChart(c: CompiledChart): Buffer {
  return packBuffers(new Map([...c.files].map(([p, data]) => [`${c.name}/${p}`, data])), c.mtime);
}
