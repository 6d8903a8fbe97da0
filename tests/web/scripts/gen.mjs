// Generates TypeScript (messages and service descriptors) from ../../proto/kepu/v1 into gen/
// with Debian's protoc and @bufbuild/protoc-gen-es. gen/ is not committed; `npm test` runs this
// first.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const protoRoot = resolve(here, "../../proto");
const out = join(here, "gen");
const plugin = join(here, "node_modules/.bin/protoc-gen-es");
const protos = readdirSync(join(protoRoot, "kepu/v1"))
  .filter((name) => name.endsWith(".proto"))
  .map((name) => `kepu/v1/${name}`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
execFileSync(
  process.env.PROTOC ?? "protoc",
  [
    `-I${protoRoot}`,
    `--plugin=protoc-gen-es=${plugin}`,
    `--es_out=${out}`,
    "--es_opt=target=ts,import_extension=js",
    ...protos,
  ],
  { cwd: protoRoot, stdio: "inherit" },
);
console.log(`gen: ${protos.length} files from ${protoRoot} -> ${out}`);
