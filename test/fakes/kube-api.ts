/**
 * A local Kubernetes API server (HTTPS on 127.0.0.1) for the one call the registration hook makes: a JSON merge
 * patch (RFC 7386) of a ConfigMap, `PATCH /api/v1/namespaces/:ns/configmaps/:name`. It answers as the API server
 * does: 401 for an unknown bearer token, 403 when RBAC does not grant `patch` on that ConfigMap by name, 404 for a
 * missing ConfigMap, 415 for another patch type, each as a `Status` object; 200 with the patched object otherwise.
 */
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeConfigMap {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  /** Field managers that patched it, in order (the `fieldManager` query parameter). */
  managers: string[];
}

interface Grant {
  user: string;
  namespace: string;
  configMap: string;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeKubeApi {
  host = "127.0.0.1";
  port = 0;
  readonly #server: Server;
  readonly #configMaps = new Map<string, FakeConfigMap>();
  readonly #tokens = new Map<string, Grant>();
  /** Status codes answered, in order. */
  readonly answers: number[] = [];

  private constructor(tls: { cert: string; key: string }) {
    this.#server = createServer(tls, (req, res) => void this.#handle(req, res));
  }

  static async start(tls: { cert: string; key: string }): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(tls);
    await new Promise<void>((resolve) => api.#server.listen(0, "127.0.0.1", resolve));
    api.port = (api.#server.address() as AddressInfo).port;
    return api;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** A ConfigMap as Runway's turn-up creates it: annotated, without data. */
  addConfigMap(namespace: string, name: string, annotations: Record<string, string> = {}): void {
    this.#configMaps.set(`${namespace}/${name}`, { metadata: { name, namespace, annotations }, managers: [] });
  }

  removeConfigMap(namespace: string, name: string): void {
    this.#configMaps.delete(`${namespace}/${name}`);
  }

  configMap(namespace: string, name: string): FakeConfigMap | undefined {
    return this.#configMaps.get(`${namespace}/${name}`);
  }

  /** A service account token whose Role grants `patch` on one ConfigMap by name. */
  addServiceAccountToken(token: string, grant: { serviceAccount: string; namespace: string; configMap: string }): void {
    this.#tokens.set(token, { user: `system:serviceaccount:${grant.namespace}:${grant.serviceAccount}`, namespace: grant.namespace, configMap: grant.configMap });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await new Promise<string>((resolve) => {
      let s = "";
      req.setEncoding("utf8");
      req.on("data", (d: string) => (s += d));
      req.on("end", () => resolve(s));
    });
    const status = (code: number, reason: string, message: string) => {
      this.answers.push(code);
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code }));
    };
    const url = new URL(req.url ?? "/", `https://${this.host}`);
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps\/([^/]+)$/.exec(url.pathname);
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    const grant = auth ? this.#tokens.get(auth[1]) : undefined;
    if (!grant) return status(401, "Unauthorized", "Unauthorized");
    if (!m || req.method !== "PATCH") return status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    const [, ns, name] = m;
    if (grant.namespace !== ns || grant.configMap !== name) {
      return status(403, "Forbidden", `configmaps "${name}" is forbidden: User "${grant.user}" cannot patch resource "configmaps" in API group "" in the namespace "${ns}"`);
    }
    if (req.headers["content-type"] !== "application/merge-patch+json") return status(415, "UnsupportedMediaType", `the body of the request was in an unknown format`);
    const cm = this.#configMaps.get(`${ns}/${name}`);
    if (!cm) return status(404, "NotFound", `configmaps "${name}" not found`);
    let patch: unknown;
    try {
      patch = JSON.parse(body);
    } catch (e) {
      return status(400, "BadRequest", `error decoding patch: ${(e as Error).message}`);
    }
    const data = (mergePatch({ data: cm.data ?? {} }, patch) as { data?: Record<string, unknown> }).data ?? {};
    const bad = Object.entries(data).find(([, v]) => typeof v !== "string");
    if (bad) return status(400, "BadRequest", `ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal into Go struct field ConfigMap.data of type string (key ${bad[0]})`);
    cm.data = data as Record<string, string>;
    cm.managers.push(url.searchParams.get("fieldManager") ?? "");
    this.answers.push(200);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: cm.metadata, data: cm.data }));
  }
}
