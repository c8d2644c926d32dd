/**
 * Checking, before anything is registered, that the kubeconfig a self-hosted stack names exists, is a kubeconfig
 * and holds the chosen context. Only validation reads the file: the Kubernetes provider is given the path and
 * reads it itself at deploy time, so no cluster credential ever enters the Pulumi state (D6).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { unreadableFile } from "../config/yaml-source";

interface Named {
  name?: unknown;
}

/** The contexts of a kubeconfig, with the cluster and user each names, and its current-context. */
export interface KubeconfigFacts {
  contexts: { name: string; cluster?: string; user?: string }[];
  clusters: string[];
  users: string[];
  currentContext?: string;
}

function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((e: Named) => e?.name).filter((n): n is string => typeof n === "string") : [];
}

/** Reads the facts of kubeconfig text; throws with the reason when it is not a kubeconfig. */
export function kubeconfigFacts(text: string): KubeconfigFacts {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`invalid YAML (${(e as Error).message.split("\n")[0]})`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error("expected a mapping with apiVersion: v1 and kind: Config");
  const d = doc as Record<string, unknown>;
  if (d.kind !== undefined && d.kind !== "Config") throw new Error(`kind is '${String(d.kind)}', expected Config`);
  if (!Array.isArray(d.contexts)) throw new Error("it has no contexts list");
  const contexts = (d.contexts as { name?: unknown; context?: { cluster?: unknown; user?: unknown } }[])
    .filter((c) => typeof c?.name === "string")
    .map((c) => ({
      name: c.name as string,
      cluster: typeof c.context?.cluster === "string" ? c.context.cluster : undefined,
      user: typeof c.context?.user === "string" ? c.context.user : undefined,
    }));
  const current = d["current-context"];
  return { contexts, clusters: names(d.clusters), users: names(d.users), currentContext: typeof current === "string" && current !== "" ? current : undefined };
}

/** Which stack field a kubeconfig problem is about, and what is wrong. */
export interface KubeconfigProblem {
  field: "runway:kubeconfig" | "runway:kubeContext";
  message: string;
}

/**
 * Problems of a kubeconfig for a context (undefined: the current-context). `shown` is the path as the stack file
 * wrote it; messages name it.
 */
export function kubeconfigProblems(facts: KubeconfigFacts, shown: string, context: string | undefined): KubeconfigProblem[] {
  const available = facts.contexts.map((c) => c.name);
  const list = available.length ? available.join(", ") : "none";
  const field = context === undefined ? "runway:kubeconfig" : "runway:kubeContext";
  const chosen = context ?? facts.currentContext;
  if (chosen === undefined) return [{ field, message: `${shown} has no current-context; set runway:kubeContext to one of its contexts: ${list}` }];
  const ctx = facts.contexts.find((c) => c.name === chosen);
  if (!ctx) return [{ field, message: `context '${chosen}' is not in ${shown}; its contexts: ${list}` }];
  const out: KubeconfigProblem[] = [];
  if (!ctx.cluster || !facts.clusters.includes(ctx.cluster)) {
    out.push({ field, message: `context '${chosen}' in ${shown} names cluster '${ctx.cluster ?? ""}', which the file does not define; its clusters: ${facts.clusters.join(", ") || "none"}` });
  }
  if (ctx.user !== undefined && !facts.users.includes(ctx.user)) {
    out.push({ field, message: `context '${chosen}' in ${shown} names user '${ctx.user}', which the file does not define; its users: ${facts.users.join(", ") || "none"}` });
  }
  return out;
}

/** Where a kubeconfig path of a stack file points: relative paths are taken from the project root. */
export function resolveKubeconfig(root: string, file: string): string {
  return path.resolve(root, file);
}

/** Reads the kubeconfig a stack names and returns its problems; a missing or unreadable file is one too. */
export function checkKubeconfigFile(root: string, file: string, context: string | undefined): KubeconfigProblem[] {
  if (file.startsWith("~")) {
    return [{ field: "runway:kubeconfig", message: `'${file}': '~' is not expanded; write an absolute path or one relative to the project root` }];
  }
  const unreadable = unreadableFile(resolveKubeconfig(root, file));
  if (unreadable) return [{ field: "runway:kubeconfig", message: `${file}: ${unreadable} (relative paths start at the project root, where Pulumi.yaml is)` }];
  let text: string;
  try {
    text = readFileSync(resolveKubeconfig(root, file), "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory, expected a kubeconfig file" : `cannot read it (${code ?? String(e)})`;
    return [{ field: "runway:kubeconfig", message: `${file}: ${why} (relative paths start at the project root, where Pulumi.yaml is)` }];
  }
  let facts: KubeconfigFacts;
  try {
    facts = kubeconfigFacts(text);
  } catch (e) {
    return [{ field: "runway:kubeconfig", message: `${file} is not a kubeconfig: ${(e as Error).message}` }];
  }
  return kubeconfigProblems(facts, file, context);
}
