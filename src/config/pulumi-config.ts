/**
 * A stack's configuration as Pulumi hands it to the program, in both directions:
 * - `pulumiConfigOfFile`: what the Pulumi CLI passes for a stack file (namespaced keys, scalars as text, objects as
 *   JSON text, `secure:` values decrypted and listed as secret keys). `runway plan` feeds exactly this to the program.
 * - `stackFromPulumiConfig`: the program's side. The values come from `pulumi.Config` (src/program.ts), whatever set
 *   them: the stack file, `pulumi config set` on the stack's backend, `--config-file`, or a Pulumi ESC environment.
 *   They are validated by the stack file's schema; where the stack file holds the same value, problems point at its
 *   line, otherwise at the config key and where it came from.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Document, LineCounter } from "yaml";
import type { z } from "zod";
import { ConfigError, type Diagnostic } from "./diagnostics";
import { dedicatedTenantConfigSchema, platformConfigSchema, regionConfigSchema, selfhostedConfigSchema, serviceConfigSchema } from "./schema/stack";
import { stackFileName, stackFromSource, type StackFile } from "./stack";
import { readYamlFile, type YamlSource } from "./yaml-source";

/** Runway's config namespace: the project name in Pulumi.yaml. */
export const NAMESPACE = "runway";

/** How a config value travels as text: plain text, `true`/`false`, a number, or JSON (objects and lists). */
export type ConfigValueType = "string" | "boolean" | "number" | "json";

const SHAPES: Record<string, Record<string, z.ZodType>> = {
  platform: platformConfigSchema.shape,
  service: serviceConfigSchema.shape,
  selfhosted: selfhostedConfigSchema.shape,
  region: regionConfigSchema.shape,
  "dedicated-tenant": dedicatedTenantConfigSchema.shape,
};

/** The definition under a field's optional/default/pipe wrappers. */
function baseDef(schema: z.ZodType): Record<string, unknown> {
  let def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  for (let guard = 0; guard < 20; guard++) {
    if (!["optional", "default", "prefault", "nullable", "readonly", "catch", "pipe"].includes(def.type as string)) return def;
    const inner = (def.innerType ?? def.in) as { _zod: { def: Record<string, unknown> } };
    def = inner._zod.def;
  }
  return def;
}

/**
 * How the value of `key` (e.g. `runway:cluster`) travels for a stack of `kind`. Keys the kind does not know travel
 * as text, so the schema reports them by name.
 */
export function configValueType(kind: string | undefined, key: string): ConfigValueType {
  const field = kind === undefined ? undefined : SHAPES[kind]?.[key];
  if (!field) return "string";
  switch (baseDef(field).type) {
    case "string":
    case "enum":
    case "literal":
      return "string";
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    default:
      return "json";
  }
}

/**
 * A config value's text decoded as pulumi.Config's require/requireBoolean/requireNumber/requireObject would, for
 * code that reads Pulumi's config map without the SDK (the policy pack). A value of the wrong form stays text, so
 * validation names the key and what it expected.
 */
export function decodeConfigText(kind: string | undefined, key: string, text: string): unknown {
  switch (configValueType(kind, key)) {
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    case "boolean":
      return text === "true" ? true : text === "false" ? false : text;
    case "number":
      return text.trim() !== "" && !Number.isNaN(Number(text)) ? Number(text) : text;
    default:
      return text;
  }
}

/**
 * The stack config Pulumi hands a process in its environment (PULUMI_CONFIG, legacy `ns:config:key` or `ns:key`
 * keys, and PULUMI_CONFIG_SECRET_KEYS), for `stackFromPulumiConfig`. Undefined without PULUMI_CONFIG.
 */
export function pulumiConfigFromEnv(env: NodeJS.ProcessEnv): PulumiStackConfig | undefined {
  if (!env.PULUMI_CONFIG) return undefined;
  const raw = JSON.parse(env.PULUMI_CONFIG) as Record<string, string>;
  const text = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^([^:]+):config:/, "$1:"), v]));
  const secretKeys = env.PULUMI_CONFIG_SECRET_KEYS ? (JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS) as string[]) : [];
  const kind = text[`${NAMESPACE}:kind`];
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(text)) {
    if (!k.startsWith(`${NAMESPACE}:`)) continue;
    values[k] = secretKeys.includes(k) ? { secure: "[secret]" } : decodeConfigText(kind, k, v);
  }
  return { values, secretKeys: secretKeys.filter((k) => k.startsWith(`${NAMESPACE}:`)) };
}

/** True when the schema of `key` expects a Pulumi secret (`{secure: ...}` in a stack file). */
export function isSecretField(kind: string | undefined, key: string): boolean {
  const field = kind === undefined ? undefined : SHAPES[kind]?.[key];
  const def = field ? baseDef(field) : undefined;
  const shape = def?.type === "object" ? (def.shape as Record<string, unknown> | undefined) : undefined;
  return shape !== undefined && Object.keys(shape).length === 1 && "secure" in shape;
}

/**
 * The text of a stack-file value as Pulumi passes it: scalars as their text, lists and mappings as JSON. (Pulumi
 * keeps YAML scalars as strings; `false` arrives as "false".)
 */
export function configText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Whether a stack-file value is a Pulumi secret (`secure: ...`). */
export function isSecure(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value;
}

/**
 * What the Pulumi CLI passes the program for a stack file: `runway:key` -> text, and the secret keys. Secrets are
 * decrypted by the CLI; offline, `placeholder` stands in for their value (still marked secret).
 */
export function pulumiConfigOfFile(
  stack: StackFile,
  placeholder: (key: string) => string = (k) => `offline-secret-${k.replace(/^runway:/, "")}`,
): { config: Record<string, string>; secretKeys: string[] } {
  const raw = (stack.source.value as { config: Record<string, unknown> }).config;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (isSecure(v)) {
      config[k] = placeholder(k);
      secretKeys.push(k);
    } else {
      config[k] = configText(v);
    }
  }
  return { config, secretKeys };
}

/** JSON text with object keys sorted, to compare two values regardless of key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "undefined";
}

function sameValue(fromPulumi: unknown, inFile: unknown): boolean {
  if (isSecure(fromPulumi) || isSecure(inFile)) return isSecure(fromPulumi) && isSecure(inFile);
  return canonical(fromPulumi) === canonical(inFile);
}

export interface PulumiStackConfig {
  /** `runway:key` -> value as read through pulumi.Config (JSON values parsed; secrets as `{secure: "[secret]"}`). */
  values: Record<string, unknown>;
  /** Keys (`runway:key`) Pulumi marks secret. */
  secretKeys: readonly string[];
}

/** Where values that are not in the stack file came from, as diagnostics name it. */
export function configOrigin(stack: string): string {
  return `pulumi config (stack ${stack})`;
}

/**
 * The stack's configuration as the program received it from Pulumi, validated like a stack file. `root` is the
 * project root: when `stacks/Pulumi.<stack>.yaml` exists there, problems with values it holds point at its lines.
 * Throws ConfigError naming every problem.
 */
export function stackFromPulumiConfig(name: string, given: PulumiStackConfig, root: string): StackFile {
  const kind = typeof given.values[`${NAMESPACE}:kind`] === "string" ? (given.values[`${NAMESPACE}:kind`] as string) : undefined;
  const secret = new Set(given.secretKeys);
  const config: Record<string, unknown> = {};
  const misplacedSecrets: string[] = [];
  for (const [key, value] of Object.entries(given.values)) {
    if (secret.has(key) && !isSecretField(kind, key)) misplacedSecrets.push(key);
    config[key] = value;
  }
  const file = stackFileName(path.join(root, "stacks"), name);
  const fromFile = existsSync(file) ? readYamlFile(file) : undefined;
  const fileConfig = ((fromFile?.value as { config?: Record<string, unknown> } | undefined)?.config ?? {}) as Record<string, unknown>;
  const keys = new Set([...Object.keys(config), ...Object.keys(fileConfig)]);
  const elsewhere = new Set([...keys].filter((k) => !fromFile || !sameValue(config[k], fileConfig[k])));
  const origin = configOrigin(name);
  let source: YamlSource;
  if (fromFile) {
    source = { ...fromFile, value: { ...(fromFile.value as object), config }, elsewhere: elsewhere.size ? { keys: elsewhere, origin } : undefined };
  } else {
    const doc = new Document({ config }) as unknown as YamlSource["doc"];
    source = { file: origin, doc, lineCounter: new LineCounter(), value: { config }, elsewhere: { keys, origin } };
  }
  const problems: Diagnostic[] = misplacedSecrets.map((k) => ({
    file: origin,
    line: 0,
    column: 0,
    path: k,
    message: `is set as a secret, but Runway reads it as plain configuration; set it without --secret: pulumi config set ${k} ...`,
  }));
  let found: Diagnostic[] = [];
  let stack: StackFile | undefined;
  try {
    stack = stackFromSource(name, source, root, [...secret].map((k) => k.replace(/^runway:/, "")));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    found = e.diagnostics;
  }
  if (found.length || problems.length || !stack) throw new ConfigError([...found, ...problems]);
  return stack;
}
