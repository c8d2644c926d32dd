/**
 * A small GitLab REST v4 client for what Runway needs: cluster agents and their tokens, repository files and
 * merge-request notes.
 *
 * Built on Node's fetch rather than @gitbeaker/rest: gitbeaker's request handler (43.8.0) retries 429 and 502
 * for every method, POST included (a POST retried after a 502 may register an agent twice), ignores Retry-After,
 * sleeps 0.25 ms * 2^i with no injectable clock, and puts the Request, headers included, into its errors.
 *
 * This module imports nothing but Node globals: the dynamic providers capture it by value when Pulumi
 * serializes them, so it must stay small and self-contained.
 */

/** How the client authenticates: a personal/project/group access token, or a CI job token. */
export type GitLabAuth = { privateToken: string } | { jobToken: string };

export interface RetryPolicy {
  /** Attempts per call, the first one included. Default 5. */
  maxAttempts: number;
  /** Total time one call may spend waiting between attempts, in milliseconds. Default 60 000. */
  maxWaitMs: number;
  /** Wait before the second attempt when GitLab sends no Retry-After; doubles on each attempt. Default 1 000. */
  baseDelayMs: number;
}

export interface GitLabClientOptions {
  /** GitLab's URL (`https://gitlab.com`) or its API root (`https://gitlab.com/api/v4`, CI's `CI_API_V4_URL`). */
  url: string;
  auth: GitLabAuth;
  retry?: Partial<RetryPolicy>;
  /** Waits between attempts; tests pass one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Per-attempt timeout in milliseconds. Default 30 000. */
  timeoutMs?: number;
}

/** Client settings a provider passes through: tests shorten the waits. */
export type ClientTuning = Pick<GitLabClientOptions, "retry" | "sleep" | "timeoutMs">;

/** An agent as GitLab returns it (`GET /projects/:id/cluster_agents/:agent_id`). */
export interface Agent {
  id: number;
  name: string;
  config_project?: { id: number; path_with_namespace: string };
  created_at?: string;
}

/** An agent token; `token` is only present in the answer to its creation. */
export interface AgentToken {
  id: number;
  name: string;
  description: string | null;
  agent_id: number;
  status: "active" | "revoked";
  token?: string;
}

export interface RepositoryFile {
  file_path: string;
  /** Base64 of the file's bytes. */
  content: string;
  content_sha256: string;
  last_commit_id: string;
}

export interface Note {
  id: number;
  body: string;
  system: boolean;
  author?: { id: number; username: string };
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  412: "Precondition Failed",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** A failed GitLab call. The message is one line: call, status, GitLab's message and what to do. */
export class GitLabError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    /** HTTP status, or undefined when no response arrived. */
    readonly status: number | undefined,
    /** GitLab's own message, without the status line it repeats. */
    readonly gitlabMessage: string,
    detail: string,
  ) {
    const head = status === undefined ? "" : `${status} ${REASONS[status] ?? "Error"}`;
    super(`GitLab ${method} ${path}: ${[head, detail].filter(Boolean).join(": ")}`);
    this.name = "GitLabError";
  }
}

/** True for a 404 answer (the object, or its project, does not exist or is invisible to the token). */
export function isNotFound(e: unknown): e is GitLabError {
  return e instanceof GitLabError && e.status === 404;
}

/** Awaits a deletion; a 404 means it is already gone, which is what was wanted. */
export async function unlessGone(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** The `:id` of a project in a path: numeric ids as they are, paths URL-encoded (`group%2Fproject`). */
export function projectRef(project: string | number): string {
  const s = String(project);
  return /^\d+$/.test(s) ? s : encodeURIComponent(s);
}

/** The API root for a GitLab URL: `https://gitlab.com` and `https://gitlab.com/api/v4/` give the same. */
export function apiRoot(url: string): string {
  const u = url.replace(/\/+$/, "");
  return /\/api\/v4$/.test(u) ? u : `${u}/api/v4`;
}

/** GitLab's error body as one phrase: `{"message":{"name":["has already been taken"]}}` -> `name has already been taken`. */
export function gitlabMessage(status: number, body: unknown): string {
  let text = "";
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const m = b.message ?? b.error;
    if (typeof m === "string") text = m;
    else if (m && typeof m === "object") {
      text = Object.entries(m as Record<string, unknown>)
        .map(([k, v]) => `${k === "base" ? "" : `${k} `}${Array.isArray(v) ? v.join(", ") : String(v)}`)
        .join("; ");
    }
    if (typeof b.error_description === "string") text = [text, b.error_description].filter(Boolean).join(": ");
  } else if (typeof body === "string" && body.length < 200 && !/[<\n]/.test(body.trim())) {
    text = body.trim();
  }
  // GitLab repeats the status line ("403 Forbidden", "400 Bad request - ..."): keep only what it adds.
  const reason = REASONS[status] ?? "";
  text = text.replace(new RegExp(`^${status}\\s*`), "").trim();
  if (text.toLowerCase() === reason.toLowerCase()) return "";
  return text.replace(new RegExp(`^${reason}\\s*-\\s*`, "i"), "").trim();
}

function hint(status: number, need: string, message: string): string {
  if (status === 404 && !message) return "it does not exist, or the token cannot see it";
  if (status === 401) return "the token is missing, invalid, expired or revoked";
  if (status === 403) return `insufficient permissions; the token needs ${need}`;
  return "";
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const t = Date.parse(header);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

const IDEMPOTENT = new Set(["GET", "PUT", "DELETE"]);
const RETRY_5XX = new Set([502, 503, 504]);

interface Call {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  query?: Record<string, string | number>;
  body?: Record<string, unknown>;
  /** What the token needs for this call, for the 403 message. */
  need: string;
}

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

const MAINTAINER = "the Maintainer role on the agent project";
const DEVELOPER = "at least the Developer role on the agent project";
const REPORTER = "at least the Reporter role on the project";
const PUSH = "the Developer role on the project and permission to push to the branch";

export class GitLabClient {
  readonly apiUrl: string;
  readonly retry: RetryPolicy;
  declare private readonly authHeader: Record<string, string>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;

  constructor(opts: GitLabClientOptions) {
    this.apiUrl = apiRoot(opts.url);
    this.retry = { maxAttempts: 5, maxWaitMs: 60_000, baseDelayMs: 1_000, ...opts.retry };
    // Not enumerable, so util.inspect and JSON.stringify of the client never show the token. (No #private fields:
    // Pulumi's closure serializer cannot serialize classes that use them.)
    const header = "privateToken" in opts.auth ? { "PRIVATE-TOKEN": opts.auth.privateToken } : { "JOB-TOKEN": opts.auth.jobToken };
    Object.defineProperty(this, "authHeader", { value: header, enumerable: false });
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** One call; the parsed body of a 2xx answer. */
  async request<T>(call: Call): Promise<T> {
    return (await this.call(call)).body as T;
  }

  /** One call with retries: 429 always (GitLab rejected it before doing anything), 5xx and network errors only when idempotent. */
  private async call(call: Call): Promise<Answer> {
    const { method, path } = call;
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      let answer: Answer | undefined;
      let failure = "";
      try {
        answer = await this.send(call);
      } catch (e) {
        failure = `request failed: ${describeFetchError(e, this.timeoutMs)}`;
      }
      if (answer && answer.status < 400) return answer;

      const status = answer?.status;
      const retryable = status === 429 || ((status === undefined || RETRY_5XX.has(status)) && IDEMPOTENT.has(method));
      const message = answer ? gitlabMessage(answer.status, answer.body) : "";
      const fail = (extra: string) => {
        const detail = [status === 429 ? "rate limited" : message || failure, answer ? hint(answer.status, call.need, message) : "", extra];
        return new GitLabError(method, path, status, message, detail.filter(Boolean).join("; "));
      };
      if (!retryable) throw fail("");
      if (attempt >= this.retry.maxAttempts) {
        throw fail(`gave up after ${attempt} attempts${waited ? ` and ${seconds(waited)} of waiting` : ""}`);
      }
      const asked = status === 429 ? retryAfterMs(answer!.headers.get("retry-after")) : undefined;
      const delay = asked ?? this.retry.baseDelayMs * 2 ** (attempt - 1);
      if (waited + delay > this.retry.maxWaitMs) {
        const why = asked !== undefined ? `GitLab asked to wait ${seconds(asked)}` : `the next wait is ${seconds(delay)}`;
        throw fail(`gave up after ${attempt} attempts: ${why}, beyond the ${seconds(this.retry.maxWaitMs)} retry budget`);
      }
      waited += delay;
      await this.sleep(delay);
    }
  }

  private async send(call: Call): Promise<Answer> {
    const url = new URL(this.apiUrl + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...this.authHeader, Accept: "application/json" };
    if (call.body) headers["Content-Type"] = "application/json";
    const res = await fetch(url, {
      method: call.method,
      headers,
      body: call.body ? JSON.stringify(call.body) : undefined,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get("content-type") ?? "").includes("json") && text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, body: res.status === 204 ? undefined : body, headers: res.headers };
  }

  /** Every page of a list, following GitLab's `x-next-page` header. */
  async list<T>(path: string, need: string, query: Record<string, string | number> = {}): Promise<T[]> {
    const out: T[] = [];
    // Bounded so that a server that always answers with a next page cannot loop forever.
    for (let page = 1, pages = 0; page > 0 && pages < 100; pages++) {
      const answer = await this.call({ method: "GET", path, need, query: { ...query, per_page: 100, page } });
      out.push(...(answer.body as T[]));
      page = Number(answer.headers.get("x-next-page") || 0);
    }
    return out;
  }

  // Cluster agents: https://docs.gitlab.com/api/cluster_agents/

  listAgents(project: string | number): Promise<Agent[]> {
    return this.list<Agent>(`/projects/${projectRef(project)}/cluster_agents`, DEVELOPER);
  }

  getAgent(project: string | number, agentId: number): Promise<Agent> {
    return this.request({ method: "GET", path: `/projects/${projectRef(project)}/cluster_agents/${agentId}`, need: DEVELOPER });
  }

  registerAgent(project: string | number, name: string): Promise<Agent> {
    return this.request({ method: "POST", path: `/projects/${projectRef(project)}/cluster_agents`, body: { name }, need: MAINTAINER });
  }

  deleteAgent(project: string | number, agentId: number): Promise<void> {
    return this.request({ method: "DELETE", path: `/projects/${projectRef(project)}/cluster_agents/${agentId}`, need: MAINTAINER });
  }

  /** The agent's active tokens (GitLab lists no revoked ones). */
  listAgentTokens(project: string | number, agentId: number): Promise<AgentToken[]> {
    return this.list<AgentToken>(`/projects/${projectRef(project)}/cluster_agents/${agentId}/tokens`, DEVELOPER);
  }

  /** Creates a token; the answer is the only time GitLab shows its value. At most two are active per agent. */
  createAgentToken(project: string | number, agentId: number, token: { name: string; description?: string }): Promise<AgentToken & { token: string }> {
    const path = `/projects/${projectRef(project)}/cluster_agents/${agentId}/tokens`;
    return this.request({ method: "POST", path, body: { ...token }, need: MAINTAINER });
  }

  /** Revokes a token; revoking a revoked token succeeds. */
  revokeAgentToken(project: string | number, agentId: number, tokenId: number): Promise<void> {
    const path = `/projects/${projectRef(project)}/cluster_agents/${agentId}/tokens/${tokenId}`;
    return this.request({ method: "DELETE", path, need: MAINTAINER });
  }

  // Repository files: https://docs.gitlab.com/api/repository_files/

  getFile(project: string | number, filePath: string, ref: string): Promise<RepositoryFile> {
    const path = `/projects/${projectRef(project)}/repository/files/${encodeURIComponent(filePath)}`;
    return this.request({ method: "GET", path, query: { ref }, need: REPORTER });
  }

  createFile(project: string | number, filePath: string, change: FileChange): Promise<void> {
    return this.writeFile("POST", project, filePath, change);
  }

  updateFile(project: string | number, filePath: string, change: FileChange): Promise<void> {
    return this.writeFile("PUT", project, filePath, change);
  }

  deleteFile(project: string | number, filePath: string, change: Omit<FileChange, "content">): Promise<void> {
    const path = `/projects/${projectRef(project)}/repository/files/${encodeURIComponent(filePath)}`;
    return this.request({ method: "DELETE", path, body: { branch: change.branch, commit_message: change.commitMessage }, need: PUSH });
  }

  private writeFile(method: "POST" | "PUT", project: string | number, filePath: string, c: FileChange): Promise<void> {
    const path = `/projects/${projectRef(project)}/repository/files/${encodeURIComponent(filePath)}`;
    const body = { branch: c.branch, content: c.content, commit_message: c.commitMessage, encoding: "text", ...(c.lastCommitId ? { last_commit_id: c.lastCommitId } : {}) };
    return this.request({ method, path, body, need: PUSH });
  }

  // Merge-request notes: https://docs.gitlab.com/api/notes/#merge-requests

  listMergeRequestNotes(project: string | number, iid: number): Promise<Note[]> {
    const path = `/projects/${projectRef(project)}/merge_requests/${iid}/notes`;
    return this.list<Note>(path, REPORTER, { sort: "asc", order_by: "created_at" });
  }

  createMergeRequestNote(project: string | number, iid: number, body: string): Promise<Note> {
    const path = `/projects/${projectRef(project)}/merge_requests/${iid}/notes`;
    return this.request({ method: "POST", path, body: { body }, need: REPORTER });
  }

  updateMergeRequestNote(project: string | number, iid: number, noteId: number, body: string): Promise<Note> {
    const path = `/projects/${projectRef(project)}/merge_requests/${iid}/notes/${noteId}`;
    return this.request({ method: "PUT", path, body: { body }, need: "to be the note's author" });
  }
}

export interface FileChange {
  branch: string;
  content: string;
  commitMessage: string;
  /** The file's commit the change was made against: GitLab refuses the update when the file changed since. */
  lastCommitId?: string;
}

function describeFetchError(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return `no answer within ${seconds(timeoutMs)}`;
  return err?.cause?.message ?? err?.cause?.code ?? err?.message ?? String(e);
}
