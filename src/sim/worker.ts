// A simulation worker thread (see parallel.ts): runs each spec it is sent and posts the summary back.

import { parentPort } from "node:worker_threads";
import { type RunSpec, runSpec } from "./parallel.ts";

parentPort?.on("message", (spec: RunSpec) => parentPort!.postMessage(runSpec(spec)));
