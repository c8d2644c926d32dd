/**
 * Pulumi URNs, `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, as the engine builds them: the qualified
 * type is the parent's qualified type, `$`, then the resource's own type, so it carries the whole chain of parent
 * types; children of the root stack carry no parent type (pulumi/pulumi sdk/go/common/resource/urn.go `NewURN`,
 * pkg/resource/deploy/step_generator.go `generateURN`). Pure.
 */
export const ROOT_STACK = "pulumi:pulumi:Stack";

export interface ParsedUrn {
  stack: string;
  project: string;
  /** Parent types and the type, joined by `$`. */
  qualifiedType: string;
  type: string;
  name: string;
}

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>`; the name may itself contain `::`. */
export function parseUrn(urn: string): ParsedUrn | undefined {
  const m = /^urn:pulumi:(.*?)::(.*?)::(.*?)::(.*)$/s.exec(urn);
  if (!m) return undefined;
  const qualifiedType = m[3];
  return { stack: m[1], project: m[2], qualifiedType, type: qualifiedType.split("$").pop() ?? qualifiedType, name: m[4] };
}

/** The own type of the resource a URN names (the last `$`-segment of its qualified type); undefined for no URN. */
export function urnType(urn: string | null | undefined): string | undefined {
  return urn ? parseUrn(urn)?.type : undefined;
}

/**
 * A URN in the engine's form. Pulumi's mock monitor, and so `runway plan`, writes children of the stack as
 * `pulumi:pulumi:Stack$<type>`, where the engine writes `<type>`: comparing canonical forms makes both agree.
 */
export function canonicalUrn(urn: string): string {
  const p = parseUrn(urn);
  if (!p?.qualifiedType.startsWith(`${ROOT_STACK}$`)) return urn;
  return `urn:pulumi:${p.stack}::${p.project}::${p.qualifiedType.slice(ROOT_STACK.length + 1)}::${p.name}`;
}

/** The (canonical) URN of a resource named `name` of `type` under `parent`, as the engine builds it. */
export function makeUrn(stack: string, project: string, parent: string | null, type: string, name: string): string {
  const parentType = parent ? parseUrn(canonicalUrn(parent))?.qualifiedType : undefined;
  const prefix = parentType && parentType !== ROOT_STACK ? `${parentType}$` : "";
  return `urn:pulumi:${stack}::${project}::${prefix}${type}::${name}`;
}
