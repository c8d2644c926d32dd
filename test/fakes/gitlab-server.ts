/**
 * A local GitLab (REST v4) for tests, on 127.0.0.1 with a free port. It follows GitLab's documented behaviour
 * for the endpoints Runway uses (cluster agents and tokens, repository files, merge-request notes), including
 * its error answers, and can inject faults per route (429 with Retry-After, 5xx before or after doing the work).
 *
 * Sources: docs.gitlab.com/api/cluster_agents, /api/repository_files, /api/notes, and GitLab's request specs
 * (spec/requests/api/clusters/agent_tokens_spec.rb: only active tokens are listed, revoking a revoked token is
 * 204, a guest gets 404 on reads and 403 on writes, the third active token is a 400).
 *
 * It also implements the registration API that Runway's self-hosted turn-up needs from GitLab, as
 * docs/self-managed.md ("Registration API") specifies it: `POST /api/v4/runway/registrations` with the turn-up's
 * registration token as a bearer token. It can serve over HTTPS and under a relative URL root, as GitLab can.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export type Role = "guest" | "reporter" | "developer" | "maintainer" | "owner";
const LEVEL: Record<Role, number> = { guest: 10, reporter: 20, developer: 30, maintainer: 40, owner: 50 };

export interface FakeAgent {
  id: number;
  name: string;
  projectId: number;
  tokens: FakeToken[];
}

export interface FakeToken {
  id: number;
  name: string;
  description: string | null;
  agentId: number;
  status: "active" | "revoked";
  token: string;
}

export interface FakeNote {
  id: number;
  body: string;
  system: boolean;
  author: { id: number; username: string };
  created_at: string;
}

interface Project {
  id: number;
  path: string;
  branches: Map<string, Map<string, string>>;
  commits: number;
  /** The commit that last changed each file, keyed `<branch>:<path>` (a file's last_commit_id). */
  fileCommits?: Map<string, string>;
  mergeRequests: Map<number, FakeNote[]>;
}

interface Identity {
  id: number;
  username: string;
  kind: "private" | "job";
  projects: Map<number, Role>;
  /** For job tokens: route names the token is accepted on (GitLab accepts job tokens on a short list only). */
  jobRoutes?: Set<string>;
}

/** A fault for requests of one route: `status` answered `times` times, optionally after doing the work. */
export interface Fault {
  /** Route name as listed in ROUTES, e.g. `POST /projects/:id/cluster_agents`, or `*` for every route. */
  route: string;
  status: number;
  /** How many requests get the fault. Default: all of them. */
  times?: number;
  /** Retry-After header value, in seconds. */
  retryAfter?: number;
  /** Do the work, then answer with the fault (a lost answer: the caller cannot know it succeeded). */
  afterHandling?: boolean;
}

export interface LoggedRequest {
  method: string;
  route: string;
  status: number;
  /** Which header authenticated the request; never the token itself. */
  auth: "PRIVATE-TOKEN" | "JOB-TOKEN" | "Bearer" | "none";
}

/** A self-hosted instance GitLab expects to register: recorded at turn-up from the stack outputs. */
export interface FakeRegistration {
  service: string;
  status: "pending" | "finalized" | "revoked";
  finalizedAt?: string;
  /** Request bodies received with this token, in order. */
  requests: Record<string, unknown>[];
}

/** The registration API's route name (docs/self-managed.md). */
export const REGISTRATION_ROUTE = "POST /runway/registrations";

type Handler = (ctx: Ctx) => Reply;
interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Ctx {
  project: Project;
  params: string[];
  body: Record<string, unknown>;
  query: URLSearchParams;
  who: Identity;
}

const json = (status: number, body?: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });
const notFound = (what = "Not found") => json(404, { message: `404 ${what}` });
const AGENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class FakeGitLab {
  /** `http://127.0.0.1:<port>`: what a user would give as the GitLab URL. */
  url = "";
  readonly log: LoggedRequest[] = [];
  /** Misbehave as a proxy might: a refused registration's answer quotes the Authorization header. */
  echoAuthorization = false;
  /** GitLab answers 400 to a taken agent name; some proxies and versions answer 409. */
  duplicateAgentStatus: 400 | 409 = 400;
  readonly #server: Server;
  readonly #projects: Project[] = [];
  readonly #identities = new Map<string, Identity>();
  readonly #agents: FakeAgent[] = [];
  readonly #faults: (Fault & { left: number })[] = [];
  readonly #registrations = new Map<string, FakeRegistration>();
  readonly #root: string;
  #ids = 100;

  private constructor(opts: { tls?: { cert: string; key: string }; relativeRoot?: string }) {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#server = opts.tls ? createHttpsServer(opts.tls, handler) : createServer(handler);
    this.#root = (opts.relativeRoot ?? "").replace(/\/+$/, "");
  }

  /**
   * A fake on a free port. `tls` serves HTTPS with that certificate; `relativeRoot` (e.g. `/gitlab`) serves
   * everything under that path, as GitLab installed with a relative URL root does, and 404 elsewhere.
   */
  static async start(opts: { tls?: { cert: string; key: string }; relativeRoot?: string } = {}): Promise<FakeGitLab> {
    const fake = new FakeGitLab(opts);
    await new Promise<void>((resolve) => fake.#server.listen(0, "127.0.0.1", resolve));
    fake.url = `${opts.tls ? "https" : "http"}://127.0.0.1:${(fake.#server.address() as AddressInfo).port}${fake.#root}`;
    return fake;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  addProject(path: string, opts: { id?: number; branches?: string[] } = {}): number {
    const id = opts.id ?? this.#ids++;
    const branches = new Map((opts.branches ?? ["main"]).map((b) => [b, new Map<string, string>()]));
    this.#projects.push({ id, path, branches, commits: 0, mergeRequests: new Map() });
    return id;
  }

  /** A user with an access token (PRIVATE-TOKEN) and a role per project (path or id). */
  addUser(token: string, username: string, roles: Record<string, Role>): void {
    this.#identities.set(token, { id: this.#ids++, username, kind: "private", projects: this.#roles(roles) });
  }

  /** A CI job token (JOB-TOKEN), accepted only on the listed routes, as GitLab does. */
  addJobToken(token: string, roles: Record<string, Role>, routes: string[] = []): void {
    this.#identities.set(token, { id: this.#ids++, username: "gitlab-ci-token", kind: "job", projects: this.#roles(roles), jobRoutes: new Set(routes) });
  }

  addMergeRequest(project: string | number, iid: number): void {
    this.#project(String(project))!.mergeRequests.set(iid, []);
  }

  /** A note written by someone else (or a system note) already on the merge request. */
  addNote(project: string | number, iid: number, body: string, opts: { system?: boolean; username?: string } = {}): FakeNote {
    const note = { id: this.#ids++, body, system: opts.system ?? false, author: { id: 1, username: opts.username ?? "reviewer" }, created_at: new Date().toISOString() };
    this.#project(String(project))!.mergeRequests.get(iid)!.push(note);
    return note;
  }

  /** GitLab records a turn-up's registration token (a digest of it, in GitLab; the fake keeps the value). */
  addRegistration(token: string, service: string): void {
    this.#registrations.set(token, { service, status: "pending", requests: [] });
  }

  /** GitLab forgets a token, as after a turn-down. */
  revokeRegistration(token: string): void {
    const r = this.#registrations.get(token);
    if (r) r.status = "revoked";
  }

  registration(token: string): FakeRegistration | undefined {
    return this.#registrations.get(token);
  }

  inject(fault: Fault): void {
    this.#faults.push({ ...fault, left: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  agents(project: string | number): FakeAgent[] {
    const p = this.#project(String(project))!;
    return this.#agents.filter((a) => a.projectId === p.id);
  }

  activeTokens(agentId: number): FakeToken[] {
    return this.#agents.flatMap((a) => a.tokens).filter((t) => t.agentId === agentId && t.status === "active");
  }

  /** Every token ever created, revoked ones included (GitLab keeps revoked tokens; deleting the agent drops them). */
  allTokens(): FakeToken[] {
    return [...this.#createdTokens];
  }

  file(project: string | number, path: string, branch = "main"): string | undefined {
    return this.#project(String(project))!.branches.get(branch)?.get(path);
  }

  /** Writes a file as a commit of someone else would (no API call, no log entry). */
  commitFile(project: string | number, path: string, content: string, branch = "main"): void {
    const p = this.#project(String(project))!;
    p.branches.get(branch)?.set(path, content);
    p.commits++;
    (p.fileCommits ??= new Map()).set(`${branch}:${path}`, `c${p.commits}`);
  }

  commits(project: string | number): number {
    return this.#project(String(project))!.commits;
  }

  notes(project: string | number, iid: number): FakeNote[] {
    return this.#project(String(project))!.mergeRequests.get(iid) ?? [];
  }

  readonly #createdTokens: FakeToken[] = [];

  #roles(roles: Record<string, Role>): Map<number, Role> {
    return new Map(Object.entries(roles).map(([p, r]) => [this.#project(p)!.id, r]));
  }

  #project(ref: string): Project | undefined {
    return this.#projects.find((p) => String(p.id) === ref || p.path === ref);
  }

  // Route table: name, pattern over the raw path, least role, handler.
  readonly #routes: [string, RegExp, Role, Handler][] = [
    // Authenticated by its own bearer token, not by a user: handled in #registerInstance.
    [REGISTRATION_ROUTE, /^\/runway\/registrations$/, "guest", () => json(500)],
    ["GET /projects/:id/cluster_agents", /^\/projects\/([^/]+)\/cluster_agents$/, "developer", (c) => this.#page(c, this.agents(c.project.id).map(agentJson))],
    ["POST /projects/:id/cluster_agents", /^\/projects\/([^/]+)\/cluster_agents$/, "maintainer", (c) => this.#register(c)],
    ["GET /projects/:id/cluster_agents/:agent_id", /^\/projects\/([^/]+)\/cluster_agents\/([^/]+)$/, "developer", (c) => {
      const a = this.#agent(c);
      return a ? json(200, agentJson(a)) : notFound();
    }],
    ["DELETE /projects/:id/cluster_agents/:agent_id", /^\/projects\/([^/]+)\/cluster_agents\/([^/]+)$/, "maintainer", (c) => {
      const a = this.#agent(c);
      if (!a) return notFound();
      this.#agents.splice(this.#agents.indexOf(a), 1);
      for (const t of a.tokens) t.status = "revoked";
      return json(204);
    }],
    ["GET /projects/:id/cluster_agents/:agent_id/tokens", /^\/projects\/([^/]+)\/cluster_agents\/([^/]+)\/tokens$/, "developer", (c) => {
      const a = this.#agent(c);
      return a ? this.#page(c, a.tokens.filter((t) => t.status === "active").map(tokenJson)) : notFound();
    }],
    ["POST /projects/:id/cluster_agents/:agent_id/tokens", /^\/projects\/([^/]+)\/cluster_agents\/([^/]+)\/tokens$/, "maintainer", (c) => this.#createToken(c)],
    ["DELETE /projects/:id/cluster_agents/:agent_id/tokens/:token_id", /^\/projects\/([^/]+)\/cluster_agents\/([^/]+)\/tokens\/([^/]+)$/, "maintainer", (c) => {
      const t = this.#agent(c)?.tokens.find((x) => String(x.id) === c.params[2]);
      if (!t) return notFound();
      t.status = "revoked";
      return json(204);
    }],
    ["GET /projects/:id/repository/files/:file_path", /^\/projects\/([^/]+)\/repository\/files\/([^/]+)$/, "reporter", (c) => this.#getFile(c)],
    ["POST /projects/:id/repository/files/:file_path", /^\/projects\/([^/]+)\/repository\/files\/([^/]+)$/, "developer", (c) => this.#writeFile(c, "create")],
    ["PUT /projects/:id/repository/files/:file_path", /^\/projects\/([^/]+)\/repository\/files\/([^/]+)$/, "developer", (c) => this.#writeFile(c, "update")],
    ["DELETE /projects/:id/repository/files/:file_path", /^\/projects\/([^/]+)\/repository\/files\/([^/]+)$/, "developer", (c) => this.#writeFile(c, "delete")],
    ["GET /projects/:id/merge_requests/:iid/notes", /^\/projects\/([^/]+)\/merge_requests\/([^/]+)\/notes$/, "reporter", (c) => {
      const notes = c.project.mergeRequests.get(Number(c.params[1]));
      if (!notes) return notFound();
      const sorted = [...notes].sort((a, b) => a.id - b.id);
      return this.#page(c, c.query.get("sort") === "asc" ? sorted : sorted.reverse());
    }],
    ["POST /projects/:id/merge_requests/:iid/notes", /^\/projects\/([^/]+)\/merge_requests\/([^/]+)\/notes$/, "reporter", (c) => {
      const notes = c.project.mergeRequests.get(Number(c.params[1]));
      if (!notes) return notFound();
      if (typeof c.body.body !== "string" || !c.body.body) return json(400, { error: "body is missing" });
      const note = { id: this.#ids++, body: c.body.body, system: false, author: { id: c.who.id, username: c.who.username }, created_at: new Date().toISOString() };
      notes.push(note);
      return json(201, note);
    }],
    ["PUT /projects/:id/merge_requests/:iid/notes/:note_id", /^\/projects\/([^/]+)\/merge_requests\/([^/]+)\/notes\/([^/]+)$/, "reporter", (c) => {
      const note = c.project.mergeRequests.get(Number(c.params[1]))?.find((n) => String(n.id) === c.params[2]);
      if (!note) return notFound();
      if (note.author.id !== c.who.id) return json(403, { message: "403 Forbidden" });
      if (typeof c.body.body !== "string") return json(400, { error: "body is missing" });
      note.body = c.body.body;
      return json(200, note);
    }],
  ];

  #agent(c: Ctx): FakeAgent | undefined {
    return this.#agents.find((a) => a.projectId === c.project.id && String(a.id) === c.params[1]);
  }

  /**
   * The registration API: 201 the first time a known token finalizes, 409 (with the first `finalized_at`) for a
   * token already finalized, 401 for a missing, unknown or revoked token, 400 for a body without `service`, 403
   * when the token belongs to another service.
   */
  #registerInstance(token: string | undefined, bodyText: string, req: IncomingMessage): Reply {
    const r = token ? this.#registrations.get(token) : undefined;
    if (!r || r.status === "revoked") return json(401, { message: this.echoAuthorization ? `401 Unauthorized: Bearer ${token}` : "401 Unauthorized" });
    let body: Record<string, unknown>;
    try {
      body = parseBody(req, bodyText);
    } catch {
      return json(400, { error: "the body is not JSON" });
    }
    r.requests.push(body);
    if (typeof body.service !== "string" || !body.service) return json(400, { error: "service is missing" });
    if (body.service !== r.service) return json(403, { message: `403 Forbidden - this registration token belongs to ${r.service}, not ${body.service}` });
    if (r.status === "finalized") return json(409, { message: "409 Registration already finalized", finalized_at: r.finalizedAt });
    r.status = "finalized";
    r.finalizedAt = new Date().toISOString();
    return json(201, { service: r.service, status: "finalized", finalized_at: r.finalizedAt });
  }

  #register(c: Ctx): Reply {
    const name = c.body.name;
    if (typeof name !== "string" || !name) return json(400, { error: "name is missing" });
    if (!AGENT_NAME.test(name) || name.length > 63) {
      return json(400, { message: { name: ["can contain only lowercase letters, digits, and '-', but cannot start or end with '-'"] } });
    }
    if (this.agents(c.project.id).some((a) => a.name === name)) {
      return json(this.duplicateAgentStatus, { message: { name: ["has already been taken"] } });
    }
    const agent: FakeAgent = { id: this.#ids++, name, projectId: c.project.id, tokens: [] };
    this.#agents.push(agent);
    return json(201, agentJson(agent));
  }

  #createToken(c: Ctx): Reply {
    const agent = this.#agent(c);
    if (!agent) return notFound();
    if (typeof c.body.name !== "string" || !c.body.name) return json(400, { error: "name is missing" });
    if (agent.tokens.filter((t) => t.status === "active").length >= 2) {
      return json(400, { message: "400 Bad request - An agent can have only two active tokens at a time" });
    }
    const token: FakeToken = {
      id: this.#ids++,
      name: c.body.name,
      description: typeof c.body.description === "string" ? c.body.description : null,
      agentId: agent.id,
      status: "active",
      token: `glagent-${randomBytes(24).toString("base64url")}`,
    };
    agent.tokens.push(token);
    this.#createdTokens.push(token);
    return json(201, { ...tokenJson(token), token: token.token });
  }

  #getFile(c: Ctx): Reply {
    const ref = c.query.get("ref");
    if (!ref) return json(400, { error: "ref is missing" });
    const files = c.project.branches.get(ref);
    if (!files) return json(404, { message: "404 Commit Not Found" });
    const content = files.get(c.params[1]);
    if (content === undefined) return json(404, { message: "404 File Not Found" });
    return json(200, {
      file_name: c.params[1].split("/").pop(),
      file_path: c.params[1],
      size: Buffer.byteLength(content),
      encoding: "base64",
      content: Buffer.from(content).toString("base64"),
      content_sha256: createHash("sha256").update(content).digest("hex"),
      ref,
      last_commit_id: c.project.fileCommits?.get(`${ref}:${c.params[1]}`) ?? `c${c.project.commits}`,
    });
  }

  #writeFile(c: Ctx, action: "create" | "update" | "delete"): Reply {
    const { branch, content, commit_message: message } = c.body;
    if (typeof branch !== "string") return json(400, { error: "branch is missing" });
    if (typeof message !== "string") return json(400, { error: "commit_message is missing" });
    if (action !== "delete" && typeof content !== "string") return json(400, { error: "content is missing" });
    const files = c.project.branches.get(branch);
    if (!files) return json(400, { message: "You can only create or edit files when you are on a branch" });
    const path = c.params[1];
    if (action === "create" && files.has(path)) return json(400, { message: "A file with this name already exists" });
    if (action !== "create" && !files.has(path)) return json(400, { message: "A file with this name doesn't exist" });
    // GitLab refuses an update made against an older version of the file (last_commit_id, Repository Files API).
    const last = c.project.fileCommits?.get(`${branch}:${path}`) ?? `c${c.project.commits}`;
    if (action === "update" && typeof c.body.last_commit_id === "string" && c.body.last_commit_id !== last) {
      return json(400, { message: "You are attempting to update a file that has changed since you started editing it." });
    }
    if (action === "delete") files.delete(path);
    else files.set(path, c.body.encoding === "base64" ? Buffer.from(String(content), "base64").toString() : String(content));
    c.project.commits++;
    (c.project.fileCommits ??= new Map()).set(`${branch}:${path}`, `c${c.project.commits}`);
    return action === "delete" ? json(204) : json(action === "create" ? 201 : 200, { file_path: path, branch });
  }

  #page(c: Ctx, items: unknown[]): Reply {
    const perPage = Math.min(Number(c.query.get("per_page") ?? 20), 100);
    const page = Math.max(Number(c.query.get("page") ?? 1), 1);
    const next = page * perPage < items.length ? String(page + 1) : "";
    const headers = { "x-page": String(page), "x-per-page": String(perPage), "x-total": String(items.length), "x-next-page": next };
    return json(200, items.slice((page - 1) * perPage, page * perPage), headers);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://gitlab.invalid");
    const rooted = url.pathname === this.#root || url.pathname.startsWith(`${this.#root}/`);
    const raw = rooted ? url.pathname.slice(this.#root.length).replace(/^\/api\/v4/, "") : url.pathname;
    const method = req.method ?? "GET";
    const route = rooted ? this.#routes.find(([name, re]) => name.startsWith(`${method} `) && re.test(raw)) : undefined;
    const headerToken = req.headers["private-token"] ?? req.headers["job-token"];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const auth = req.headers["private-token"] ? "PRIVATE-TOKEN" : req.headers["job-token"] ? "JOB-TOKEN" : bearer ? "Bearer" : "none";
    const send = (r: Reply) => {
      this.log.push({ method, route: route?.[0] ?? `${method} ${raw}`, status: r.status, auth });
      const headers: Record<string, string> = { ...r.headers };
      if (r.body !== undefined) headers["content-type"] = typeof r.body === "string" ? "text/plain" : "application/json";
      res.writeHead(r.status, headers);
      res.end(r.body === undefined ? undefined : typeof r.body === "string" ? r.body : JSON.stringify(r.body));
    };
    const bodyText = await readBody(req);
    if (!route) return send(json(404, { error: "404 Not Found" }));
    const [name, re, minRole, handler] = route;

    // Rate limiting happens in front of the application, before authentication.
    const fault = this.#faults.find((f) => (f.route === name || f.route === "*") && f.left > 0);
    if (fault && !fault.afterHandling) {
      fault.left--;
      return send(faultReply(fault));
    }

    if (name === REGISTRATION_ROUTE) {
      const reply = this.#registerInstance(bearer, bodyText, req);
      if (fault?.afterHandling) {
        fault.left--;
        return send(faultReply(fault));
      }
      return send(reply);
    }

    const who = typeof headerToken === "string" ? this.#identities.get(headerToken) : undefined;
    if (!who || (who.kind === "job" && !who.jobRoutes?.has(name))) return send(json(401, { message: "401 Unauthorized" }));
    const params = re.exec(raw)!.slice(1).map(decodeURIComponent);
    const project = this.#project(params[0]);
    const role = project && who.projects.get(project.id);
    if (!project || !role) return send(json(404, { message: "404 Project Not Found" }));
    if (LEVEL[role] < LEVEL[minRole]) {
      return send(method === "GET" ? notFound() : json(403, { message: "403 Forbidden" }));
    }
    const reply = handler({ project, params, body: parseBody(req, bodyText), query: url.searchParams, who });
    if (fault?.afterHandling) {
      fault.left--;
      return send(faultReply(fault));
    }
    send(reply);
  }
}

function faultReply(f: Fault): Reply {
  if (f.status === 429) return { status: 429, body: "Retry later\n", headers: f.retryAfter === undefined ? {} : { "retry-after": String(f.retryAfter) } };
  return { status: f.status, body: f.status >= 500 ? "<html><body>upstream error</body></html>" : { message: `${f.status}` } };
}

function agentJson(a: FakeAgent) {
  return { id: a.id, name: a.name, config_project: { id: a.projectId }, created_at: "2025-01-01T00:00:00.000Z", created_by_user_id: 1 };
}

function tokenJson(t: FakeToken) {
  return { id: t.id, name: t.name, description: t.description, agent_id: t.agentId, status: t.status, created_at: "2025-01-01T00:00:00.000Z", created_by_user_id: 1 };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (s += d));
    req.on("end", () => resolve(s));
    req.on("error", reject);
  });
}

function parseBody(req: IncomingMessage, text: string): Record<string, unknown> {
  if (!text) return {};
  if ((req.headers["content-type"] ?? "").includes("json")) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}
