// Pulumi program entry (Pulumi.yaml `main`). Pulumi calls the exported function and uses its result as the
// stack's outputs.
import { runProgram } from "./program";

export = () => runProgram();
