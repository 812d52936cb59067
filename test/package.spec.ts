// The package as the world gets it: the Flow Library's scorecard (node-red-dev validate, offline: see
// scripts/validate.js), and the tarball `npm pack` makes, installed into a fresh Node-RED user directory the way
// the palette manager installs a module and as the README's install commands do, then loaded by a real Node-RED:
// 5 on the suite's first pass, 4.1 (on the machine's own Node) on its second.
import assert from "assert";
import { spawn, spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { NODE_TYPES } from "./support/node-types";

interface Check {
  gated: boolean;
  passed: boolean | null;
  why?: string;
}
const { validate } = require("../scripts/validate") as {
  validate: (o: {
    output: string;
  }) => Promise<{ scorecard: Record<string, unknown>; checks: Record<string, Check>; log: string }>;
};
const { firstFreePort } = require("../scripts/demo") as { firstFreePort: (from: number) => Promise<number> };

const ROOT = path.resolve(__dirname, "..");
const RESULTS = path.join(ROOT, "test-results");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  "node-red": { nodes: Record<string, string> };
};
const OUR_TYPES = NODE_TYPES;

const [major, minor] = process.versions.node.split(".").map(Number);
/** The Node-RED package this pass runs (the alias node-red-4 on the second pass). */
const NODE_RED = process.env.PVS_NODE_RED === "node-red-4" ? "node-red-4" : "node-red";
/** Node-RED 5 needs Node 22.9; Node-RED 4.1 runs on Node 18 and later. */
const runnable = NODE_RED === "node-red-4" || major > 22 || (major === 22 && minor >= 9);
const nodeRedDir = path.dirname(require.resolve(`${NODE_RED}/package.json`));
const nodeRedVersion = (
  JSON.parse(fs.readFileSync(path.join(nodeRedDir, "package.json"), "utf8")) as { version: string }
).version;

/** The environment Node-RED and its npm get: without what `npm test` adds (npm_* settings), Node 22 first on PATH. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  env.PATH = [path.dirname(process.execPath), env.PATH].join(path.delimiter);
  return env;
}

/** The npm bundled with this pass's Node-RED, which its palette manager runs with Node-RED's own Node. */
function npm(args: string[], cwd: string): string {
  const registry = path.dirname(require.resolve("@node-red/registry/package.json", { paths: [nodeRedDir] }));
  const npmCli = path.join(
    path.dirname(require.resolve("npm/package.json", { paths: [registry] })),
    "bin",
    "npm-cli.js",
  );
  const r = spawnSync(process.execPath, [npmCli, ...args], { cwd, env: cleanEnv(), encoding: "utf8", timeout: 120000 });
  assert.strictEqual(r.status, 0, `npm ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// Once per `npm test` (on the Node-RED 5 pass): the scorecard does not depend on the runtime the suite runs on.
(process.env.PVS_NODE_RED !== "node-red-4" ? describe : describe.skip)(
  "Flow Library scorecard (node-red-dev validate, offline)",
  function () {
    this.timeout(60000);

    it("passes every check that can be run offline; the catalogue and latest-version checks are reported, not gated", async () => {
      const output = path.join(RESULTS, "scorecard.json");
      const { scorecard, checks, log } = await validate({ output });
      assert.ok(fs.existsSync(output), "the scorecard JSON is written");
      assert.deepStrictEqual((scorecard.package as { name: string }).name, pkg.name);
      const failed = Object.entries(checks)
        .filter(([, c]) => c.gated && c.passed !== true)
        .map(([id]) => id);
      assert.deepStrictEqual(failed, [], `failed checks (see ${output}):\n${log}`);
      for (const id of ["P01", "P03", "P04", "P05", "P06", "P07", "N02", "D01"])
        assert.strictEqual(checks[id].gated, true, `${id} is gated`);
      for (const id of ["P08", "N01", "D03"]) assert.strictEqual(checks[id].gated, false, `${id} is vacuous offline`);
      assert.deepStrictEqual(
        (scorecard.N02 as { nodes: string[] }).nodes.sort(),
        OUR_TYPES.filter((t) => t !== "pvs-config").sort(),
        "an example for every node but the config node",
      );
    });
  },
);

(runnable ? describe : describe.skip)(
  `npm pack, installed as the palette manager does, in a real Node-RED ${nodeRedVersion}`,
  function () {
    this.timeout(120000);
    let work: string;
    let tarball: string;
    let files: string[];

    before(() => {
      work = fs.mkdtempSync(path.join(os.tmpdir(), "pvs-pack-"));
      // The build is npm test's first step; a pack or publish runs it as `prepack`.
      const [packed] = JSON.parse(
        npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT),
      ) as Array<{ filename: string; files: Array<{ path: string }> }>;
      tarball = path.join(work, path.basename(packed.filename));
      files = packed.files.map((f) => f.path).sort();
    });
    after(() => {
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("packs the nodes, their editor files, icons, languages, examples, LICENSE and README, and nothing of the sources or tests", () => {
      assert.ok(fs.existsSync(tarball), tarball);
      for (const dir of [
        "src/",
        "nodes/",
        "icons/",
        "test/",
        "bench/",
        "scripts/",
        "docs/",
        ".ci/",
        "node_modules/",
        "test-results/",
        ".demo/",
      ]) {
        assert.deepStrictEqual(
          files.filter((f) => f.startsWith(dir)),
          [],
          `nothing from ${dir}`,
        );
      }
      assert.deepStrictEqual(
        files.filter((f) => /\.(ts|map|tgz)$/.test(f)),
        [],
        "no TypeScript, source maps or tarballs",
      );
      for (const type of OUR_TYPES)
        for (const ext of ["js", "html"]) assert.ok(files.includes(`dist/${type}.${ext}`), `dist/${type}.${ext}`);
      // Each node's folder nodes/<type>/ holds its languages, icons/<type>.svg its icon; the build gathers them
      // where Node-RED looks, beside dist/<type>.js.
      for (const type of OUR_TYPES) {
        assert.ok(files.includes(`dist/icons/${type}.svg`), `icon ${type}.svg`);
        const dir = path.join(ROOT, "nodes", type);
        for (const lang of fs.readdirSync(path.join(dir, "locales"))) {
          for (const file of fs.readdirSync(path.join(dir, "locales", lang)))
            assert.ok(files.includes(`dist/locales/${lang}/${file}`), `locale ${lang}/${file}`);
        }
      }
      const examples = (dir: string): string[] =>
        fs
          .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
          .flatMap((e) => (e.isDirectory() ? examples(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
      assert.deepStrictEqual(
        files.filter((f) => f.startsWith("examples/")),
        examples("examples").sort(),
      );
      for (const file of ["LICENSE", "README.md", "package.json"]) assert.ok(files.includes(file), file);
      // Installing the tarball runs nothing: no lifecycle script a user would have to approve.
      const scripts = (pkg as { scripts?: Record<string, string> }).scripts ?? {};
      for (const hook of ["preinstall", "install", "postinstall", "prepare"])
        assert.strictEqual(scripts[hook], undefined, `no ${hook} script`);
      // Built output only for sources that exist: no stale file of a removed or renamed module ships (dist/<type>.js
      // is the build's loader of nodes/<type>/runtime.ts; the editors are bundled into the .html files).
      const sources = new Set(
        ["src", "nodes"].flatMap((dir) =>
          fs
            .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
            .map((f) => `${dir}/${f.replace(/\\/g, "/").replace(/\.ts$/, ".js")}`),
        ),
      );
      for (const type of OUR_TYPES) sources.add(`${type}.js`);
      assert.deepStrictEqual(
        files.filter((f) => f.startsWith("dist/") && f.endsWith(".js") && !sources.has(f.slice("dist/".length))),
        [],
        "every packed .js has its source in src/ or nodes/",
      );
    });

    it("installs with the palette manager's npm command and loads: every node type enabled with its icon and languages, the examples listed", async () => {
      const userDir = newUserDir(path.join(work, "userdir"));
      // The palette manager's install (its exact arguments).
      npm(
        [
          "install",
          "--no-audit",
          "--no-update-notifier",
          "--no-fund",
          "--save",
          "--save-prefix=~",
          "--omit=dev",
          "--engine-strict",
          "--",
          tarball,
        ],
        userDir,
      );
      await loadsInNodeRed(userDir, "palette");
    });

    it("installs with the README's install commands, run as written (only the paths replaced), and loads", async () => {
      const userDir = newUserDir(path.join(work, "readme-userdir"));
      const script = readmeInstallCommands();
      // The README names the file `npm pack` makes; only where it lies, and the user directory, differ here.
      const named = script.match(/\S+\.tgz\b/g) ?? [];
      assert.deepStrictEqual(
        named.map((p) => path.basename(p)),
        [path.basename(tarball)],
        "the README installs the tarball npm pack makes, by its name",
      );
      const run = script.replace(/\S+\.tgz\b/g, shellQuote(tarball)).replace(/~\/\.node-red\b/g, shellQuote(userDir));
      assert.doesNotMatch(run, /~|\$HOME/, "nothing outside the test's directories");
      const r = spawnSync("sh", ["-e", "-c", run], { cwd: work, env: cleanEnv(), encoding: "utf8", timeout: 120000 });
      assert.strictEqual(r.status, 0, `the README's commands failed:\n${run}\n${r.stdout}\n${r.stderr}`);
      await loadsInNodeRed(userDir, "readme");
    });

    /** What Node-RED writes into a new user directory. */
    function newUserDir(userDir: string): string {
      fs.mkdirSync(userDir);
      fs.writeFileSync(
        path.join(userDir, "package.json"),
        JSON.stringify(
          { name: "node-red-project", description: "A Node-RED Project", version: "0.0.1", private: true },
          null,
          4,
        ),
      );
      return userDir;
    }

    /**
     * The package installed into `userDir`, loaded by a real Node-RED: every node type enabled with its icon and
     * languages, the examples listed, no error logged.
     */
    async function loadsInNodeRed(userDir: string, how: string): Promise<void> {
      const installed = JSON.parse(fs.readFileSync(path.join(userDir, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      };
      assert.match(installed.dependencies[pkg.name], /^file:/, "saved as a dependency of the user directory");
      const moduleDir = path.join(userDir, "node_modules", ...pkg.name.split("/"));
      assert.ok(!fs.lstatSync(moduleDir).isSymbolicLink(), "a copy from the tarball, not a link to the repository");
      assert.ok(!fs.existsSync(path.join(moduleDir, "node_modules", "node-red")), "no devDependency installed");

      fs.copyFileSync(path.join(ROOT, "scripts", "demo-settings.js"), path.join(userDir, "settings.js"));
      fs.writeFileSync(path.join(userDir, "flows.json"), "[]");
      const port = await firstFreePort(40000 + Math.floor(Math.random() * 10000));
      const logFile = path.join(userDir, "node-red.log");
      const log = fs.openSync(logFile, "w");
      const child = spawn(
        process.execPath,
        [
          path.join(nodeRedDir, "red.js"),
          "--userDir",
          userDir,
          "--port",
          String(port),
          "--settings",
          path.join(userDir, "settings.js"),
        ],
        {
          cwd: userDir,
          env: cleanEnv(),
          stdio: ["ignore", log, log],
        },
      );
      fs.closeSync(log);
      const url = `http://127.0.0.1:${port}/`;
      try {
        const end = Date.now() + 30000;
        while (!fs.readFileSync(logFile, "utf8").includes(`Server now running at ${url}`)) {
          assert.ok(
            child.exitCode === null && Date.now() < end,
            `Node-RED did not start:\n${fs.readFileSync(logFile, "utf8")}`,
          );
          await new Promise((r) => setTimeout(r, 100));
        }
        const get = async (route: string) => {
          const res = await fetch(new URL(route, url), { headers: { Accept: "application/json" } });
          assert.strictEqual(res.status, 200, route);
          return res.json() as Promise<unknown>;
        };
        const sets = (await get("nodes")) as Array<{
          module: string;
          name: string;
          version: string;
          enabled: boolean;
          err?: string;
          types: string[];
        }>;
        const ours = sets.filter((s) => s.module === pkg.name);
        assert.deepStrictEqual(
          ours.map((s) => [s.name, s.enabled, s.err ?? null, s.version]),
          OUR_TYPES.map((t) => [t, true, null, pkg.version]),
        );
        assert.deepStrictEqual(ours.flatMap((s) => s.types).sort(), [...OUR_TYPES].sort());
        const info = (await get(`nodes/${pkg.name}`)) as { path: string; user: boolean };
        assert.strictEqual(fs.realpathSync(info.path), fs.realpathSync(moduleDir), "loaded from the installed copy");
        // Each type's icon, as the editor's palette asks for it, and its messages and help in each language.
        const icons = (await get("icons")) as Record<string, string[]>;
        assert.deepStrictEqual([...(icons[pkg.name] ?? [])].sort(), OUR_TYPES.map((t) => `${t}.svg`).sort());
        for (const type of OUR_TYPES) {
          const svg = await fetch(new URL(`icons/${pkg.name}/${type}.svg`, url));
          assert.strictEqual(svg.status, 200, `icon ${type}.svg`);
          assert.match(await svg.text(), /^<svg /);
          for (const lang of ["en-US", "de"]) {
            const catalog = (await get(`locales/${pkg.name}/${type}?lng=${lang}`)) as Record<string, unknown>;
            assert.ok(catalog[type], `${type} messages in ${lang}`);
          }
        }

        const folders = (await get(`library/examples/flows/${pkg.name}`)) as Array<string | { fn: string }>;
        const onDisk = fs.readdirSync(path.join(ROOT, "examples")).sort();
        assert.deepStrictEqual(folders.map((f) => (typeof f === "string" ? f : f.fn)).sort(), onDisk);
        for (const folder of onDisk) {
          const listed = (await get(`library/examples/flows/${pkg.name}/${folder}`)) as Array<string | { fn: string }>;
          const names = listed.map((f) => (typeof f === "string" ? f : f.fn)).sort();
          assert.deepStrictEqual(
            names,
            fs
              .readdirSync(path.join(ROOT, "examples", folder))
              .map((f) => f.replace(/\.json$/, ""))
              .sort(),
            folder,
          );
        }
        const text = fs.readFileSync(logFile, "utf8");
        assert.doesNotMatch(text, /\[error\]/, text);
      } finally {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGINT");
          await exited;
        }
        fs.mkdirSync(RESULTS, { recursive: true });
        fs.copyFileSync(logFile, path.join(RESULTS, `package-${NODE_RED}-${how}.log`));
      }
    }
  },
);

/** The marked block of the README's install section: the shell commands that install the packed tarball. */
function readmeInstallCommands(): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const block = /<!-- install-commands:[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, "README.md has the marked install block (<!-- install-commands: … --> before a ```sh block)");
  const commands = block[1].trim();
  assert.match(commands, /^cd ~\/\.node-red$/m, "it installs into the Node-RED user directory");
  assert.match(commands, /^npm install \S+\.tgz/m, "with npm install of the packed tarball");
  return commands;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
