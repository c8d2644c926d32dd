/**
 * oci:// references as Helm writes them: `oci://HOST[:PORT]/PATH` for a chart's parent repository (publish) and
 * `oci://HOST[:PORT]/PATH/NAME:VERSION` for one chart version (promote).
 */

/** A one-line, user-facing registry failure. The CLI prints the message alone, never a stack trace. */
export class OciError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OciError";
  }
}

// OCI distribution spec: repository path components and tags.
const COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\[::1\])(:[0-9]{1,5})?$/i;

export interface OciLocation {
  host: string;
  /** Repository path inside the registry, e.g. gitlab-org/charts/ai-gateway. */
  repository: string;
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/:[0-9]+$/, "").toLowerCase();
  return h === "localhost" || h === "[::1]" || /^127\.[0-9]+\.[0-9]+\.[0-9]+$/.test(h);
}

function parse(url: string, what: string): OciLocation {
  if (!url.startsWith("oci://")) throw new OciError(`${url}: ${what} must start with oci://, e.g. oci://registry.gitlab.com/group/project/charts`);
  const rest = url.slice("oci://".length).replace(/\/+$/, "");
  const slash = rest.indexOf("/");
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const repository = slash < 0 ? "" : rest.slice(slash + 1);
  if (!HOST.test(host)) throw new OciError(`${url}: '${host}' is not a registry host such as registry.gitlab.com or 127.0.0.1:5000`);
  if (!repository) throw new OciError(`${url}: a repository path is missing after the host, e.g. oci://${host}/group/charts`);
  const bad = repository.split("/").find((c) => !COMPONENT.test(c));
  if (bad !== undefined) throw new OciError(`${url}: '${bad}' is not a valid repository path component (lowercase letters, digits, '.', '_' or '-')`);
  return { host, repository };
}

/** `oci://HOST/PATH`: where `chart publish` puts `PATH/<chart name>`. */
export function parseRepositoryUrl(url: string): OciLocation {
  return parse(url, "the registry location");
}

/** `oci://HOST/PATH/NAME:VERSION`. */
export function parseChartRef(ref: string): OciLocation & { tag: string } {
  const colon = ref.lastIndexOf(":");
  const slash = ref.lastIndexOf("/");
  if (colon <= slash || colon < "oci://".length) {
    throw new OciError(`${ref}: the chart version is missing; use oci://HOST/PATH/NAME:VERSION`);
  }
  const tag = ref.slice(colon + 1).replace(/\+/g, "_");
  if (!TAG.test(tag)) throw new OciError(`${ref}: '${tag}' is not a valid tag`);
  return { ...parse(ref.slice(0, colon), "the chart reference"), tag };
}

/** Helm stores version 1.2.3+build under the tag 1.2.3_build: '+' is not allowed in tags. */
export function versionTag(version: string): string {
  return version.replace(/\+/g, "_");
}
