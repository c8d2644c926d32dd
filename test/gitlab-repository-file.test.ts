import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { repositoryFileProvider, type RepositoryFileInputs, type RepositoryFileOutputs } from "../src/gitlab/file-provider";
import { FakeGitLab } from "./fakes/gitlab-server";

const TOKEN = "glpat-runway-developer";
const PATH = ".gitlab/agents/prod/config.yaml";
const provider = repositoryFileProvider({ sleep: async () => {} });
let gl: FakeGitLab;
let inputs: RepositoryFileInputs;

beforeEach(async () => {
  gl = await FakeGitLab.start();
  gl.addProject("platform/agents", { id: 42 });
  gl.addUser(TOKEN, "runway-bot", { "platform/agents": "developer" });
  inputs = { gitlabUrl: gl.url, projectPath: "platform/agents", filePath: PATH, branch: "main", content: "a: 1\n", commitMessage: "Configure", apiToken: TOKEN };
});
afterEach(() => gl.close());

async function create(i: RepositoryFileInputs): Promise<{ id: string; outs: RepositoryFileOutputs }> {
  const r = await provider.create(i);
  return { id: r.id, outs: r.outs! };
}

describe("GitLab repository file", () => {
  it("create commits the file to the branch", async () => {
    const { id, outs } = await create(inputs);
    expect(id).toBe(`platform/agents:main:${PATH}`);
    expect(outs.committed).toBe(true);
    expect(gl.file(42, PATH)).toBe("a: 1\n");
    expect(gl.commits(42)).toBe(1);
  });

  it("an unchanged file makes no commit", async () => {
    const { outs } = await create(inputs);
    const { outs: again } = (await provider.update!("x", outs, { ...inputs }))!;
    expect(again?.committed).toBe(false);
    expect(gl.commits(42)).toBe(1);
  });

  it("an existing file is adopted and overwritten", async () => {
    await create({ ...inputs, content: "old\n" });
    const { outs } = await create(inputs);
    expect(outs.committed).toBe(true);
    expect(gl.file(42, PATH)).toBe("a: 1\n");
    expect(gl.log.map((r) => r.route).filter((r) => r.startsWith("PUT"))).toEqual(["PUT /projects/:id/repository/files/:file_path"]);
  });

  it("update writes the new content", async () => {
    const { outs } = await create(inputs);
    await provider.update!("x", outs, { ...inputs, content: "a: 2\n" });
    expect(gl.file(42, PATH)).toBe("a: 2\n");
  });

  it("update recreates a file removed by hand", async () => {
    const { outs } = await create(inputs);
    await provider.delete!("x", outs);
    await provider.update!("x", outs, { ...inputs, content: "a: 2\n" });
    expect(gl.file(42, PATH)).toBe("a: 2\n");
  });

  it("delete removes the file, and a file already gone is fine", async () => {
    const { outs } = await create(inputs);
    await provider.delete!("x", outs);
    expect(gl.file(42, PATH)).toBeUndefined();
    await expect(provider.delete!("x", outs)).resolves.toBeUndefined();
  });

  it("moving the file to another path or branch replaces it", async () => {
    const { outs } = await create(inputs);
    expect(await provider.diff!("x", outs, { ...inputs, filePath: "other.yaml" })).toEqual({ changes: true, replaces: ["filePath"] });
    expect(await provider.diff!("x", outs, { ...inputs, content: "b\n" })).toEqual({ changes: true, replaces: [] });
    expect(await provider.diff!("x", outs, { ...inputs })).toEqual({ changes: false, replaces: [] });
  });

  it("a token without push access fails with the role it needs", async () => {
    gl.addUser("glpat-reporter", "reader", { "platform/agents": "reporter" });
    const message = await create({ ...inputs, apiToken: "glpat-reporter" }).then(() => "", (e: Error) => e.message);
    expect(message).toBe(
      "GitLab POST /projects/platform%2Fagents/repository/files/.gitlab%2Fagents%2Fprod%2Fconfig.yaml: 403 Forbidden: insufficient permissions; the token needs the Developer role on the project and permission to push to the branch",
    );
  });

  it("an unknown branch is named in the error", async () => {
    const message = await create({ ...inputs, branch: "release" }).then(() => "", (e: Error) => e.message);
    expect(message).toBe(
      'GitLab GET /projects/platform%2Fagents/repository/files/.gitlab%2Fagents%2Fprod%2Fconfig.yaml: 404 Not Found: Commit Not Found; the branch "release" does not exist in platform/agents',
    );
  });
});
