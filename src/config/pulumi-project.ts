/**
 * The checks the Pulumi CLI makes of a stack file before the program starts, so that `runway validate` reports
 * them with the stack file's line instead of a `pulumi preview` failing on a runner:
 * - Pulumi.yaml's `config:` declarations (pulumi's ValidateStackConfigAndApplyProjectConfig,
 *   sdk/go/common/workspace): a declared key with neither `default` nor `value` is required in every stack of the
 *   project ("Stack 'S' is missing configuration value 'K'"); a typed key must hold its type (string, integer,
 *   boolean, array of items); a `secret: true` key must be `secure:`.
 * - `secure:` values are decrypted with the stack's secrets provider: a stack that holds any needs
 *   `secretsprovider` (and, for a cloud KMS, the `encryptedkey` that `pulumi stack init --secrets-provider` writes)
 *   or, for the passphrase provider, `encryptionsalt`.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { Diagnostic } from "./diagnostics";
import { diagnosticAt, readYamlFile, type YamlSource } from "./yaml-source";

const TYPES = ["string", "integer", "boolean", "array"] as const;

interface ItemsType {
  type?: unknown;
  items?: ItemsType;
}

interface Declaration extends ItemsType {
  default?: unknown;
  value?: unknown;
  secret?: unknown;
}

/** Pulumi.yaml of a project root, or undefined when there is none. */
export function readProjectFile(root: string): YamlSource | undefined {
  const file = path.join(root, "Pulumi.yaml");
  return existsSync(file) ? readYamlFile(file) : undefined;
}

function declarations(project: YamlSource): Record<string, Declaration> {
  const config = (project.value as { config?: unknown } | null)?.config;
  return config && typeof config === "object" && !Array.isArray(config) ? (config as Record<string, Declaration>) : {};
}

function projectName(project: YamlSource): string {
  const name = (project.value as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : "";
}

/** `array<string>` for an array of strings, as Pulumi names types in its messages (InferFullTypeName). */
function typeName(t: ItemsType): string {
  return t.items ? `array<${typeName(t.items)}>` : String(t.type);
}

/**
 * Does a value hold a Pulumi config type? Scalars reach Pulumi as text, lists and mappings as JSON (whose items
 * keep their JSON types): pulumi's ValidateConfigValue.
 */
export function holdsConfigType(t: ItemsType, value: unknown, asText: boolean): boolean {
  const text = asText && value !== null && typeof value !== "object" ? String(value) : undefined;
  switch (t.type) {
    case "string":
      return text !== undefined || typeof value === "string";
    case "integer":
      if (typeof value === "number") return Number.isInteger(value);
      return /^[-+]?[0-9]+$/.test(text ?? (typeof value === "string" ? value : "x"));
    case "boolean":
      return typeof value === "boolean" || text === "true" || text === "false" || value === "true" || value === "false";
    case "array":
      return Array.isArray(value) && t.items !== undefined && value.every((v) => holdsConfigType(t.items as ItemsType, v, false));
    default:
      return false;
  }
}

/** Problems of Pulumi.yaml's own config declarations (Pulumi refuses to load such a project). */
export function projectFileProblems(project: YamlSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [key, d] of Object.entries(declarations(project))) {
    if (d === null || typeof d !== "object") {
      out.push(diagnosticAt(project, ["config", key], "a config declaration is a mapping with type, description and optionally default or secret"));
      continue;
    }
    if (d.type === undefined) continue;
    const check = (t: ItemsType, at: string[]): boolean => {
      if (!(TYPES as readonly unknown[]).includes(t.type)) {
        out.push(diagnosticAt(project, ["config", key, ...at, "type"], `Pulumi knows the config types ${TYPES.join(", ")}; got ${JSON.stringify(t.type)}`));
        return false;
      }
      if (t.type === "array" && !t.items) {
        out.push(diagnosticAt(project, ["config", key, ...at], "an array needs items: { type: ... }"));
        return false;
      }
      return t.type !== "array" || check(t.items as ItemsType, [...at, "items"]);
    };
    if (check(d, []) && d.default !== undefined && !holdsConfigType(d, d.default, false)) {
      out.push(diagnosticAt(project, ["config", key, "default"], `the default does not hold the declared type ${typeName(d)}`));
    }
  }
  return out;
}

function holdsSecure(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsSecure);
  if (value && typeof value === "object") return "secure" in value || Object.values(value).some(holdsSecure);
  return false;
}

/** URL schemes of Pulumi's cloud secrets providers, which keep the stack's data key in `encryptedkey`. */
const KMS_PROVIDERS = ["gcpkms://", "awskms://", "azurekeyvault://", "hashivault://"];

/** Problems Pulumi finds with a stack file's secrets before it can decrypt them. */
export function secretsProviderProblems(stack: YamlSource, stackName: string): Diagnostic[] {
  const file = (stack.value ?? {}) as { config?: Record<string, unknown>; secretsprovider?: unknown; encryptedkey?: unknown; encryptionsalt?: unknown };
  const secureKeys = Object.entries(file.config ?? {})
    .filter(([, v]) => holdsSecure(v))
    .map(([k]) => k);
  if (secureKeys.length === 0) return [];
  const provider = typeof file.secretsprovider === "string" ? file.secretsprovider : undefined;
  const init = `pulumi stack init ${stackName} --secrets-provider gcpkms://projects/<project>/locations/<location>/keyRings/<ring>/cryptoKeys/<key>`;
  const what = `${secureKeys.join(", ")} ${secureKeys.length === 1 ? "is a secret" : "are secrets"}`;
  if (provider === undefined) {
    if (typeof file.encryptionsalt === "string") return [];
    return [
      diagnosticAt(stack, ["config", secureKeys[0]], `${what}, but the stack names no secrets provider, so Pulumi cannot decrypt ${secureKeys.length === 1 ? "it" : "them"}: create the stack with \`${init}\` (it writes secretsprovider and encryptedkey), then set ${secureKeys.length === 1 ? "the secret" : "each secret"} again with \`pulumi config set --secret\``),
    ];
  }
  if (provider === "passphrase") {
    return typeof file.encryptionsalt === "string" ? [] : [diagnosticAt(stack, ["secretsprovider"], "the passphrase provider needs the encryptionsalt that `pulumi stack init --secrets-provider passphrase` writes")];
  }
  if (KMS_PROVIDERS.some((p) => provider.startsWith(p))) {
    return typeof file.encryptedkey === "string" && file.encryptedkey !== "" ? [] : [diagnosticAt(stack, ["secretsprovider"], `${provider.split("://")[0]} needs the encryptedkey that \`${init}\` writes beside it`)];
  }
  if (provider === "service" || provider === "default") return [];
  return [diagnosticAt(stack, ["secretsprovider"], `unknown secrets provider '${provider}'; Pulumi knows passphrase, gcpkms://, awskms://, azurekeyvault://, hashivault:// and service`)];
}

/** Pulumi.yaml's config declarations applied to one stack file, as Pulumi applies them before the program runs. */
export function projectConfigProblems(project: YamlSource, stack: YamlSource, stackName: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const name = projectName(project);
  const config = ((stack.value as { config?: unknown } | null)?.config ?? {}) as Record<string, unknown>;
  for (const [key, d] of Object.entries(declarations(project))) {
    if (d === null || typeof d !== "object") continue;
    const full = key.includes(":") ? key : `${name}:${key}`;
    const found = Object.prototype.hasOwnProperty.call(config, full);
    if (!found) {
      // Only keys of the project's own namespace are required (Pulumi: key.Namespace() == projectName).
      if (d.default === undefined && d.value === undefined && full.startsWith(`${name}:`)) {
        out.push(
          diagnosticAt(
            stack,
            ["config"],
            `Pulumi.yaml declares '${key}' without a default, so Pulumi stops before the program runs: "Stack '${stackName}' is missing configuration value '${key}'"; set ${full} here, or give '${key}' a default in Pulumi.yaml`,
            true,
          ),
        );
      }
      continue;
    }
    const value = config[full];
    const secure = holdsSecure(value);
    if (d.secret === true && !(value && typeof value === "object" && "secure" in value)) {
      out.push(diagnosticAt(stack, ["config", full], `Pulumi.yaml declares '${key}' secret, so Pulumi refuses a plain value ("must be encrypted as it's secret"): pulumi config set --secret ${full} <value>`));
    }
    // A secure value's type is checked after decryption; what it decrypts to is not known here.
    if (d.type !== undefined && !secure && !holdsConfigType(d, value, true)) {
      out.push(
        diagnosticAt(stack, ["config", full], `Pulumi.yaml declares '${key}' of type ${typeName(d)}, so Pulumi refuses this value ("Stack '${stackName}' with configuration key '${key}' must be of type '${typeName(d)}'")`),
      );
    }
  }
  return out;
}
