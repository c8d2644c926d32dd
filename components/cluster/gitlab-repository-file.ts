import * as pulumi from "@pulumi/pulumi";
import { repositoryFileProvider } from "../../src/gitlab/file-provider";

export interface GitLabRepositoryFileArgs {
  /** GitLab URL, e.g. `https://gitlab.com`. */
  gitlabUrl: pulumi.Input<string>;
  /** Path (`group/project`) or numeric id of the project. Changing it replaces the file. */
  projectPath: pulumi.Input<string>;
  /** Path of the file in the repository, e.g. `.gitlab/agents/prod/config.yaml`. Changing it replaces the file. */
  filePath: pulumi.Input<string>;
  /** Branch the file is committed to. Default "main". */
  branch?: pulumi.Input<string>;
  /** The file's text. */
  content: pulumi.Input<string>;
  /** Message of the commits that write the file. Default "Update <filePath> (Runway)". */
  commitMessage?: pulumi.Input<string>;
  /** Access token allowed to push to the branch; kept in state only as a secret. */
  apiToken: pulumi.Input<string>;
}

/**
 * One file committed to a GitLab repository through the Repository Files API: created or overwritten (an
 * existing file is adopted), committed only when its content changes, removed on delete.
 * https://docs.gitlab.com/api/repository_files/
 */
export class GitLabRepositoryFile extends pulumi.dynamic.Resource {
  /** Whether the last create or update made a commit (false when the file already had this content). */
  declare readonly committed: pulumi.Output<boolean>;

  constructor(name: string, args: GitLabRepositoryFileArgs, opts?: pulumi.CustomResourceOptions) {
    const props = {
      ...args,
      branch: args.branch ?? "main",
      commitMessage: args.commitMessage ?? pulumi.interpolate`Update ${args.filePath} (Runway)`,
      apiToken: pulumi.secret(args.apiToken),
      committed: undefined,
    };
    super(repositoryFileProvider(), name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: ["apiToken"] }));
  }
}
