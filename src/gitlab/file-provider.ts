/**
 * Pulumi dynamic provider for one file in a GitLab repository (the agent's config.yaml), through the Repository
 * Files API. Create and update write the file only when its content differs, so an unchanged file makes no empty
 * commit; a file that already exists is adopted and overwritten; delete removes it and accepts that it is gone.
 * Serialized by Pulumi's closure serializer: it captures only ./api. https://docs.gitlab.com/api/repository_files/
 */
import type * as pulumi from "@pulumi/pulumi";
import { type ClientTuning, GitLabClient, GitLabError } from "./api";

export interface RepositoryFileInputs {
  gitlabUrl: string;
  /** Path or numeric id of the project. */
  projectPath: string;
  /** Path of the file in the repository, e.g. `.gitlab/agents/prod/config.yaml`. */
  filePath: string;
  branch: string;
  content: string;
  commitMessage: string;
  /** Access token with push access to the branch. */
  apiToken: string;
}

export interface RepositoryFileOutputs extends RepositoryFileInputs {
  /** Whether the last create or update committed (false when the file already had this content). */
  committed: boolean;
}

function client(i: { gitlabUrl: string; apiToken: string }, tuning: ClientTuning): GitLabClient {
  return new GitLabClient({ url: i.gitlabUrl, auth: { privateToken: i.apiToken }, ...tuning });
}

/** GitLab's answers for a file that is not on the branch: 404 to reads, 400 to updates and deletes. */
function isMissingFile(e: unknown): boolean {
  return e instanceof GitLabError && ((e.status === 404 && /File Not Found/i.test(e.gitlabMessage)) || (e.status === 400 && /doesn't exist/.test(e.gitlabMessage)));
}

/** The file's current text on the branch, or undefined when it is not there. */
async function current(gl: GitLabClient, i: RepositoryFileInputs): Promise<string | undefined> {
  try {
    const f = await gl.getFile(i.projectPath, i.filePath, i.branch);
    return Buffer.from(f.content, "base64").toString("utf8");
  } catch (e) {
    if (isMissingFile(e)) return undefined;
    if (e instanceof GitLabError && e.status === 404 && /Commit Not Found/i.test(e.gitlabMessage)) {
      throw new Error(`${e.message}; the branch "${i.branch}" does not exist in ${i.projectPath}`);
    }
    throw e;
  }
}

async function write(i: RepositoryFileInputs, tuning: ClientTuning): Promise<RepositoryFileOutputs> {
  const gl = client(i, tuning);
  const now = await current(gl, i);
  if (now === i.content) return { ...i, committed: false };
  const change = { branch: i.branch, content: i.content, commitMessage: i.commitMessage };
  if (now === undefined) await gl.createFile(i.projectPath, i.filePath, change);
  else await gl.updateFile(i.projectPath, i.filePath, change);
  return { ...i, committed: true };
}

export function repositoryFileProvider(tuning: ClientTuning = {}): pulumi.dynamic.ResourceProvider<RepositoryFileInputs, RepositoryFileOutputs> {
  return {
    async diff(_id, olds, news) {
      const replaces = (["gitlabUrl", "projectPath", "filePath", "branch"] as const).filter((k) => olds[k] !== news[k]);
      const changes = replaces.length > 0 || (["content", "commitMessage", "apiToken"] as const).some((k) => olds[k] !== news[k]);
      return { changes, replaces };
    },

    async create(inputs) {
      return { id: `${inputs.projectPath}:${inputs.branch}:${inputs.filePath}`, outs: await write(inputs, tuning) };
    },

    async update(_id, _olds, news) {
      return { outs: await write(news, tuning) };
    },

    async delete(_id, props) {
      const gl = client(props, tuning);
      try {
        await gl.deleteFile(props.projectPath, props.filePath, { branch: props.branch, commitMessage: `Remove ${props.filePath} (Runway)` });
      } catch (e) {
        if (!isMissingFile(e)) throw e;
      }
    },
  };
}
