// Static checks of the message catalogs against the code and the editor forms that use them.
import assert from "assert";
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { NODE_TYPES } from "./support/node-types";

const root = path.resolve(__dirname, "..");
/** A node's message catalog or help in one language, in its folder: nodes/<type>/locales/<lang>/<type>.<ext>. */
const localeFile = (lang: string, type: string, ext: string) =>
  path.join(root, "nodes", type, "locales", lang, `${type}.${ext}`);
const catalogIn = (lang: string, type: string) => JSON.parse(fs.readFileSync(localeFile(lang, type, "json"), "utf8"));
const catalog = (type: string) => catalogIn("en-US", type);
const helpIn = (lang: string, type: string) => fs.readFileSync(localeFile(lang, type, "html"), "utf8");
const TYPES = NODE_TYPES;

function has(obj: Record<string, unknown>, key: string): boolean {
  const parts = key.split(".");
  const last = parts.pop() as string;
  let node: unknown = obj;
  for (const p of parts) node = (node as Record<string, unknown> | undefined)?.[p];
  const leaf = node as Record<string, unknown> | undefined;
  return !!leaf && (last in leaf || `${last}_one` in leaf || `${last}_other` in leaf);
}

describe("message catalogs (en-US)", () => {
  it("use Node-RED's __name__ interpolation, not i18next's default {{name}}", () => {
    for (const type of TYPES) assert.ok(!JSON.stringify(catalog(type)).includes("{{"), type);
  });

  it("have every runtime status key the code uses", () => {
    const used = new Set<string>();
    const sources = ["src", "nodes"].flatMap((dir) =>
      (fs.readdirSync(path.join(root, dir), { recursive: true }) as string[]).map((file) => path.join(root, dir, file)),
    );
    for (const file of sources) {
      if (!file.endsWith(".ts")) continue;
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/"(status\.[A-Za-z]+)"/g)) used.add(m[1]);
    }
    assert.ok(used.size > 10);
    const shared = catalog("pvs-config");
    for (const key of used) assert.ok(has(shared, key), key);
  });

  it("have every key the editor forms and labels use", () => {
    for (const type of TYPES) {
      const html = fs.readFileSync(path.join(root, "dist", `${type}.html`), "utf8");
      const keys = [
        ...html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g),
        ...html.matchAll(/(?:_|\bt)\("(?:[^":]+:)?([a-z-]+\.[A-Za-z.]+)"(?!\s*\+)/g),
      ].map((m) => m[1]);
      assert.ok(keys.length > 3, type);
      for (const key of keys) assert.ok(has(catalog(type), key), `${type}: ${key}`);
    }
  });

  it("give every node a help text in the core style", () => {
    for (const type of TYPES) {
      const help = fs.readFileSync(localeFile("en-US", type, "html"), "utf8");
      assert.ok(help.includes(`data-help-name="${type}"`), type);
      if (type !== "pvs-config")
        for (const section of ["Inputs", "Outputs", "Details"])
          assert.ok(help.includes(`<h3>${section}</h3>`), `${type}: ${section}`);
    }
  });
});

/** Every string of a catalog by its full key ("pvs-config.label.host"). */
function strings(obj: unknown, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (obj !== null && typeof obj === "object" && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) strings(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, obj);
  }
  return out;
}

const placeholders = (text: string) => new Set(text.match(/__[A-Za-z0-9]+__/g) ?? []);
const codes = (text: string) =>
  new Set([...text.matchAll(/<code>([\s\S]*?)<\/code>/g)].map((m) => m[1].replace(/\s+/g, " ")));
const tags = (text: string, names: string) => [...text.matchAll(new RegExp(`<(${names})[\\s>]`, "g"))].map((m) => m[1]);
const INLINE = "b|i|code|a|br|span";
const BLOCK = "script|h3|dl|dt|dd|ul|li|p";

/**
 * Strings that may stay as in English although longer than 20 characters: technical, nothing to translate.
 * As "<type>:<key>".
 */
const SAME_AS_ENGLISH = new Set(["pvs-config:pvs-config.test.failed"]);

for (const lang of ["de"]) {
  describe(`message catalogs and help (${lang})`, () => {
    it("exist for every node", () => {
      for (const type of TYPES) {
        for (const ext of ["json", "html"])
          assert.ok(fs.existsSync(localeFile(lang, type, ext)), `${lang}/${type}.${ext}`);
      }
    });

    it("have exactly the keys of en-US", () => {
      for (const type of TYPES) {
        const en = [...strings(catalog(type)).keys()];
        const tr = [...strings(catalogIn(lang, type)).keys()];
        assert.deepStrictEqual(
          en.filter((k) => !tr.includes(k)),
          [],
          `${lang}/${type}.json lacks these en-US keys`,
        );
        assert.deepStrictEqual(
          tr.filter((k) => !en.includes(k)),
          [],
          `${lang}/${type}.json has keys en-US does not`,
        );
      }
    });

    it("hold only non-empty strings", () => {
      for (const type of TYPES) {
        for (const [key, value] of strings(catalogIn(lang, type)))
          assert.ok(typeof value === "string" && value.trim() !== "", `${lang}/${type}: ${key}`);
      }
    });

    it("keep every __placeholder__, and add none", () => {
      for (const type of TYPES) {
        const tr = strings(catalogIn(lang, type));
        for (const [key, en] of strings(catalog(type))) {
          const want = [...placeholders(String(en))].sort();
          const got = [...placeholders(String(tr.get(key) ?? ""))].sort();
          assert.deepStrictEqual(got, want, `${lang}/${type}: ${key}`);
        }
      }
    });

    it("are translated, not English copies", () => {
      for (const type of TYPES) {
        const tr = strings(catalogIn(lang, type));
        for (const [key, en] of strings(catalog(type))) {
          if (typeof en !== "string" || en.length <= 20 || SAME_AS_ENGLISH.has(`${type}:${key}`)) continue;
          assert.notStrictEqual(tr.get(key), en, `${lang}/${type}: ${key} is still the English text`);
        }
      }
    });

    it("keep the markup and the code of the en-US strings", () => {
      for (const type of TYPES) {
        const tr = strings(catalogIn(lang, type));
        for (const [key, en] of strings(catalog(type))) {
          const text = String(tr.get(key) ?? "");
          assert.deepStrictEqual(tags(text, INLINE).sort(), tags(String(en), INLINE).sort(), `${lang}/${type}: ${key}`);
          for (const code of codes(String(en)))
            assert.ok(codes(text).has(code), `${lang}/${type}: ${key} lacks <code>${code}</code>`);
        }
      }
    });

    it("give every node a help text shaped like the en-US one", () => {
      for (const type of TYPES) {
        const en = helpIn("en-US", type);
        const tr = helpIn(lang, type);
        const name = (html: string) => html.match(/data-help-name="([^"]+)"/)?.[1];
        assert.strictEqual(name(tr), name(en), `${lang}/${type}.html: data-help-name`);
        assert.strictEqual(tags(tr, "dt").length, tags(en, "dt").length, `${lang}/${type}.html: number of <dt>`);
        assert.deepStrictEqual(
          tags(tr, BLOCK),
          tags(en, BLOCK),
          `${lang}/${type}.html: block structure (h3, dl, dt, dd, ul, li, p)`,
        );
        const links = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
        assert.deepStrictEqual(links(tr), links(en), `${lang}/${type}.html: links`);
        const property = (html: string) => [...html.matchAll(/<dt[^>]*>([^<]*)/g)].map((m) => m[1].trim());
        // Message properties (payload, topic…) are names in code: the same in every language.
        property(en).forEach((dt, i) => {
          if (/^[a-z][A-Za-z]*$/.test(dt))
            assert.strictEqual(property(tr)[i], dt, `${lang}/${type}.html: <dt> ${i + 1}`);
        });
        for (const code of codes(en)) assert.ok(codes(tr).has(code), `${lang}/${type}.html lacks <code>${code}</code>`);
      }
    });
  });
}

// German help: its section headings as Node-RED's own German help names them, and "Knoten" for a node (never
// English headings, never "Knoten" next to "Nodes"). Node-RED's German core help keeps
// "Details" (a German word too); "Eigenschaften" and "Referenzen" are ours, for headings core help has no German for.
const GERMAN_HEADINGS: Record<string, string> = {
  Inputs: "Eingangsdaten",
  Outputs: "Ausgangsdaten",
  Details: "Details",
  Properties: "Eigenschaften",
  References: "Referenzen",
};
const headings = (html: string) => [...html.matchAll(/<h[1-6][^>]*>([^<]*)<\/h[1-6]>/g)].map((m) => m[1].trim());
/** The text a reader sees: without the code samples and tags (attribute values such as data-help-name are not text). */
const prose = (html: string) => html.replace(/<code>[\s\S]*?<\/code>/g, " ").replace(/<[^>]*>/g, " ");

describe("German help (de)", () => {
  it("has the en-US section headings in German, as Node-RED's German core help has them", () => {
    for (const type of TYPES) {
      const en = headings(helpIn("en-US", type));
      assert.ok(en.length >= 2, type);
      for (const h of en)
        assert.ok(h in GERMAN_HEADINGS, `en-US/${type}.html: heading "${h}" needs its German name here`);
      assert.deepStrictEqual(
        headings(helpIn("de", type)),
        en.map((h) => GERMAN_HEADINGS[h]),
        `de/${type}.html`,
      );
    }
    // The German names of core's own headings are core's: its inject node's help, in English and in German.
    const coreNodes = path.dirname(
      require.resolve("@node-red/nodes/package.json", {
        paths: [path.dirname(require.resolve("node-red/package.json"))],
      }),
    );
    const coreHelp = (lang: string) =>
      headings(fs.readFileSync(path.join(coreNodes, "locales", lang, "common", "20-inject.html"), "utf8"));
    const core = coreHelp("en-US");
    assert.ok(core.includes("Details") && core.includes("Outputs"), core.join());
    assert.deepStrictEqual(
      coreHelp("de"),
      core.map((h) => GERMAN_HEADINGS[h] ?? h),
    );
  });

  it("has no English heading and says Knoten, not Node or Nodes (Node-RED stays Node-RED)", () => {
    for (const type of TYPES) {
      const help = helpIn("de", type);
      for (const english of ["Inputs", "Outputs", "Properties", "References"])
        assert.ok(!headings(help).includes(english), `de/${type}.html: heading "${english}"`);
      const texts = [prose(help), ...[...strings(catalogIn("de", type)).values()].map((v) => prose(String(v)))];
      for (const text of texts) {
        const english = text.match(/\bNodes?\b(?!-RED)/g) ?? [];
        assert.deepStrictEqual(
          english,
          [],
          `de/${type}: ${text.slice(Math.max(0, text.search(/\bNodes?\b(?!-RED)/) - 40)).slice(0, 100)}`,
        );
      }
    }
  });
});

describe("message catalogs at runtime", function () {
  this.timeout(20000);

  it("are copied by the build, every language, next to the nodes", () => {
    for (const type of TYPES) {
      for (const lang of ["en-US", "de"]) {
        for (const ext of ["json", "html"]) {
          const built = path.join(root, "dist", "locales", lang, `${type}.${ext}`);
          assert.ok(fs.existsSync(built), `dist/locales/${lang}/${type}.${ext} is missing: run npm run build`);
          assert.ok(
            fs.readFileSync(built).equals(fs.readFileSync(localeFile(lang, type, ext))),
            `dist/locales/${lang}/${type}.${ext} differs from its source: run npm run build`,
          );
        }
      }
    }
  });

  // Node-RED's own i18n module (not the test helper's identity RED._), in a child process so that its
  // process-wide language does not leak into other tests: the language comes from the runtime's locale.
  function lookUp(
    env: Record<string, string>,
    settings: Record<string, string>,
    lookups: [string, Record<string, string | number>?][],
  ): string[] {
    const nodeRed = process.env.PVS_NODE_RED === "node-red-4" ? "node-red-4" : "node-red";
    const i18nModule = require.resolve("@node-red/util/lib/i18n", {
      paths: [path.dirname(require.resolve(`${nodeRed}/package.json`))],
    });
    const script = `
      const path = require("path");
      const i18n = require(${JSON.stringify(i18nModule)});
      const dir = ${JSON.stringify(path.join(root, "dist", "locales"))};
      const types = ${JSON.stringify(TYPES)};
      const lookups = ${JSON.stringify(lookups)};
      i18n.init(${JSON.stringify(settings)});
      Promise.all(types.map((type) => i18n.registerMessageCatalog("@pvs-local/node-red-sunpower/" + type, dir, type + ".json")))
        .then(() => process.stdout.write(JSON.stringify(lookups.map(([key, params]) => i18n._("@pvs-local/node-red-sunpower/" + key, params)))));
    `;
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !["LC_ALL", "LC_MESSAGES", "LANG"].includes(k)),
    );
    const r = spawnSync(process.execPath, ["-e", script], {
      env: { ...base, ...env } as NodeJS.ProcessEnv,
      encoding: "utf8",
    });
    assert.strictEqual(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  const LOOKUPS: [string, Record<string, string | number>?][] = [
    ["pvs-config:status.inverters", { count: 1 }],
    ["pvs-config:status.faults", { count: 3 }],
    ["pvs-config:status.httpError", { status: 503 }],
    ["pvs-config:status.retryIn", { minutes: 4 }],
    ["pvs-device-list:pvs-device-list.label.outputLabel"],
    ["pvs-comm:pvs-comm.label.outputLabel"],
    ["pvs-inverter-split:pvs-inverter-split.label.outputSingle"],
  ];

  it("speak German when the runtime's locale is German", () => {
    const expected = [
      "1 Wechselrichter",
      "3 Störungen",
      "PVS-Fehler HTTP 503",
      "neuer Versuch in 4 min",
      "Geräteliste",
      "Netzwerkstatus",
      "eine Nachricht je Gerät",
    ];
    assert.deepStrictEqual(lookUp({ LANG: "de_DE.UTF-8" }, {}, LOOKUPS), expected);
    // settings.js `lang`, with a region Node-RED has no folder for: falls back to de.
    assert.deepStrictEqual(lookUp({ LANG: "en_US.UTF-8" }, { lang: "de-AT" }, LOOKUPS), expected);
  });

  it("speak English otherwise, and for a language without a catalog", () => {
    const expected = [
      "1 inverter",
      "3 faults",
      "PVS error HTTP 503",
      "retry in 4 min",
      "device list",
      "network status",
      "one message per device",
    ];
    assert.deepStrictEqual(lookUp({ LANG: "en_US.UTF-8" }, {}, LOOKUPS), expected);
    assert.deepStrictEqual(lookUp({ LANG: "fi_FI.UTF-8" }, {}, LOOKUPS), expected);
  });
});
