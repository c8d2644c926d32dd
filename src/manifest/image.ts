/**
 * Container image references as the Kubernetes runtime pulls them: `REPOSITORY:TAG`, `REPOSITORY@sha256:DIGEST`
 * (pinned) or `REPOSITORY:TAG@sha256:DIGEST` (pinned, the tag kept for readers). Grammar of the distribution
 * reference package (github.com/distribution/reference), lowercase repository paths.
 */

/** Registry host (optional port) and path, lowercase, no tag. */
export const IMAGE_REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/;
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
export const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses REPOSITORY[:TAG][@sha256:DIGEST]; undefined unless it has a tag, a digest or both. */
export function parseImageReference(ref: string): ImageReference | undefined {
  const at = ref.indexOf("@");
  const digest = at < 0 ? undefined : ref.slice(at + 1);
  const name = at < 0 ? ref : ref.slice(0, at);
  if (digest !== undefined && !IMAGE_DIGEST.test(digest)) return undefined;
  const colon = name.lastIndexOf(":");
  const hasTag = colon > name.lastIndexOf("/");
  const repository = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;
  if (!IMAGE_REPOSITORY.test(repository)) return undefined;
  if (tag !== undefined && !IMAGE_TAG.test(tag)) return undefined;
  if (tag === undefined && digest === undefined) return undefined;
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** What the runtime pulls: REPOSITORY[:TAG][@DIGEST]. */
export function imageString(i: ImageReference): string {
  return `${i.repository}${i.tag ? `:${i.tag}` : ""}${i.digest ? `@${i.digest}` : ""}`;
}
