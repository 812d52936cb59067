// What the editor tests share: the Chromium they drive (Debian's, no download), a context that can reach
// nothing but this machine, and the few editor gestures a person makes (drag from the palette, double-click,
// wire two nodes, deploy), done with real mouse events.
import fs from "fs";
import path from "path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";

export const CHROMIUM = process.env.PVS_CHROMIUM ?? "/usr/bin/chromium";
export const RESULTS = path.resolve(__dirname, "..", "..", "test-results");
export const DOC_IMAGES = path.resolve(__dirname, "..", "..", "docs", "images");

/** What the tests read from the editor page; it is not typed by the DOM lib, which the test build leaves out. */
export interface EditorNode {
  id: string;
  type: string;
  z?: string;
  name?: string;
  valid?: boolean;
  server?: string;
  broker?: string;
  status?: { fill?: string; shape?: string; text?: string };
}
export interface EditorWindow {
  RED: {
    nodes: {
      filterNodes(filter: { type?: string; z?: string }): EditorNode[];
      node(id: string): EditorNode | null;
      eachConfig(cb: (n: EditorNode) => void): void;
      dirty(): boolean;
    };
    workspaces: { active(): string };
    settings: { version: string };
  };
}
export const editorWindow = (): EditorWindow => globalThis as unknown as EditorWindow;

const LOCAL = /^(https?|wss?):\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Requests the page tried to send off this machine (all refused). */
  blocked: string[];
  /** Uncaught exceptions and console errors in the page. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * Debian's Chromium, headless, in a context that reaches only 127.0.0.1: HTTP(S) and WebSockets to anything else are
 * aborted and recorded, and a dead proxy catches whatever the routes would not see (DNS prefetch, other schemes).
 */
/** A headless Chromium whose context reaches only this machine; the page records its errors. */
export async function openLocalBrowser(options: {
  viewport: { width: number; height: number };
  colorScheme?: "light" | "dark";
  locale?: string;
  setup?: (context: BrowserContext) => Promise<void>;
}): Promise<Omit<Session, "close">> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--proxy-server=http://127.0.0.1:9",
      "--proxy-bypass-list=127.0.0.1;localhost",
    ],
  });
  // `locale` sets navigator.language and Accept-Language, which the editor's language follows.
  const context = await browser.newContext({
    viewport: options.viewport,
    colorScheme: options.colorScheme ?? "light",
    serviceWorkers: "block",
    ...(options.locale ? { locale: options.locale } : {}),
  });
  const blocked: string[] = [];
  const pageErrors: string[] = [];
  await context.route(
    (u) => !LOCAL.test(u.href),
    (route) => {
      blocked.push(route.request().url());
      return route.abort("blockedbyclient");
    },
  );
  await context.routeWebSocket(
    (u) => !LOCAL.test(u.href),
    (ws) => {
      blocked.push(ws.url());
      return ws.close();
    },
  );
  // tsx (esbuild, keepNames) wraps named functions in the test's page callbacks in __name(); the page has none.
  await context.addInitScript("globalThis.__name = (f) => f;");
  await options.setup?.(context);
  const page = await context.newPage();
  page.on("pageerror", (err) => pageErrors.push(`page error: ${err.message}`));
  page.on("console", (m) => {
    // The browser's own line for a request the context refused is not the page's error.
    if (m.type() === "error" && !m.text().includes("ERR_BLOCKED_BY_CLIENT")) pageErrors.push(`console: ${m.text()}`);
  });
  return { browser, context, page, blocked, pageErrors };
}

export async function openEditor(
  url: string,
  options: { colorScheme?: "light" | "dark"; locale?: string } = {},
): Promise<Session> {
  // A clock the test can move on (it runs at real speed otherwise): the editor shows some spinners for a minimum
  // time (a library folder: 400 ms), which the test skips with clock.fastForward.
  const { browser, context, page, blocked, pageErrors } = await openLocalBrowser({
    viewport: { width: 1200, height: 800 },
    colorScheme: options.colorScheme,
    locale: options.locale,
    setup: (c) => c.clock.install(),
  });
  page.setDefaultTimeout(8000); // a step that fails says which one, well within the test's own timeout
  try {
    await page.goto(url, { waitUntil: "domcontentloaded" });
    await page.locator('.red-ui-palette-node[data-palette-type="pvs-device-list"]').waitFor({ timeout: 20000 });
    // Slides and fades (trays, tree folders, notifications) end at once: what is shown is the same, and the test
    // does not wait for each to settle before the next click.
    await page.evaluate(() => {
      (globalThis as unknown as { jQuery: { fx: { off: boolean } } }).jQuery.fx.off = true;
    });
    await page.addStyleTag({
      content: "*, *::before, *::after { transition: none !important; animation: none !important; }",
    });
  } catch (err) {
    await browser.close();
    throw new Error(
      `the editor at ${url} did not show our palette: ${(err as Error).message}; page errors: ${pageErrors.join("; ") || "none"}`,
      { cause: err },
    );
  }
  return { browser, context, page, blocked, pageErrors, close: () => browser.close() };
}

export function node(page: Page, id: string): Locator {
  return page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`);
}

/** Drags a node type from the palette onto the workspace at (x, y) of the visible canvas; returns the new node's id. */
export async function dragFromPalette(page: Page, type: string, x: number, y: number): Promise<string> {
  const item = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
  await item.scrollIntoViewIfNeeded();
  const from = await item.boundingBox();
  const chart = await page.locator("#red-ui-workspace-chart").boundingBox();
  if (!from || !chart) throw new Error(`palette item ${type} or the workspace is not visible`);
  const before = await page.evaluate(
    (t) => (globalThis as unknown as EditorWindow).RED.nodes.filterNodes({ type: t }).map((n) => n.id),
    type,
  );
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(chart.x + x, chart.y + y, { steps: 8 });
  await page.mouse.up();
  const added = await page.evaluate(
    (t) => (globalThis as unknown as EditorWindow).RED.nodes.filterNodes({ type: t }).map((n) => n.id),
    type,
  );
  const id = added.find((n) => !before.includes(n));
  if (!id) throw new Error(`dropping ${type} from the palette added no node`);
  return id;
}

/** Double-clicks a node on the workspace and waits for its edit tray to finish sliding in. */
export async function openEditDialog(page: Page, id: string, field: string): Promise<void> {
  await node(page, id).locator("rect.red-ui-flow-node").first().dblclick();
  await page.locator(field).waitFor({ state: "attached" });
  await settleTray(page);
}

/** Cancels whatever edit dialogs are open (a test that failed half-way leaves them), innermost first. */
export async function closeDialogs(page: Page): Promise<void> {
  for (const cancel of ["#node-config-dialog-cancel", "#node-dialog-cancel"]) {
    const button = page.locator(cancel);
    while (await button.isVisible()) {
      await button.click();
      await button.waitFor({ state: "hidden", timeout: 3000 }).catch(() => undefined); // the tray below may have one too
    }
  }
}

/** Types into a form field as a person would: into the visible box, which for a typedInput is not the field itself. */
export async function fill(page: Page, field: string, value: string): Promise<void> {
  const typed = page.locator(`${field} + .red-ui-typedInput-container input.red-ui-typedInput-input`);
  await ((await typed.count()) > 0 ? typed : page.locator(field)).fill(value);
}

/** Picks an option of a typedInput that offers a fixed list (like the split's Outputs). */
export async function pickTypedOption(page: Page, field: string, label: string): Promise<void> {
  await page.locator(`${field} + .red-ui-typedInput-container button.red-ui-typedInput-option-trigger`).click();
  await page.locator(".red-ui-typedInput-options a", { hasText: label }).click();
}

/** Waits until the topmost tray stops moving (screenshots of a sliding tray are blurred halves). */
export async function settleTray(page: Page): Promise<void> {
  let last = "";
  for (let i = 0; i < 20; i++) {
    const box = await page.locator(".red-ui-tray").last().boundingBox();
    const now = JSON.stringify(box);
    if (now === last) return;
    last = now;
    await page.waitForTimeout(60);
  }
}

/** Imported nodes hang on the mouse pointer until a click drops them: drop them near the canvas's top left. */
export async function placeImported(page: Page): Promise<void> {
  const chart = await page.locator("#red-ui-workspace-chart").boundingBox();
  if (!chart) throw new Error("the workspace is not visible");
  await page.mouse.move(chart.x + 40, chart.y + 40, { steps: 2 });
  await page.mouse.down();
  await page.mouse.up();
}

/** Clicks a flow's tab in the tab bar. */
export async function showTab(page: Page, tab: string): Promise<void> {
  await page.locator(`#red-ui-workspace-tabs li.red-ui-tab[id="red-ui-tab-${tab}"]`).click();
  await page.waitForFunction((z) => (globalThis as unknown as EditorWindow).RED.workspaces.active() === z, tab);
}

/** Drags a wire from the first output port of one node to the input port of another. */
export async function wire(page: Page, fromId: string, toId: string): Promise<void> {
  const out = await node(page, fromId).locator(".red-ui-flow-port-output .red-ui-flow-port").first().boundingBox();
  const inp = await node(page, toId).locator(".red-ui-flow-port-input .red-ui-flow-port").first().boundingBox();
  if (!out || !inp) throw new Error("ports not visible");
  await page.mouse.move(out.x + out.width / 2, out.y + out.height / 2);
  await page.mouse.down();
  await page.mouse.move(inp.x + inp.width / 2, inp.y + inp.height / 2, { steps: 8 });
  await page.mouse.up();
}

/**
 * Clicks away the notifications that close on a click ("Imported…", "Successfully deployed"), as a person does when
 * they sit over the buttons of the edit tray; returns their texts. Ones that ask something (with buttons) stay.
 */
export async function dismissNotifications(page: Page): Promise<string[]> {
  const plain = page.locator(".red-ui-notification:visible:not(:has(button))");
  const texts: string[] = [];
  for (let n = await plain.count(); n > 0; n = await plain.count()) {
    const first = plain.first();
    texts.push((await first.innerText().catch(() => "")).trim());
    await first.click({ timeout: 2000 }).catch(() => undefined); // it may close by itself meanwhile
    await first.waitFor({ state: "hidden", timeout: 2000 }).catch(() => undefined);
  }
  return texts;
}

/** Clicks Deploy and returns the text of the notification that follows (success, or what Node-RED objected to). */
export async function deploy(page: Page): Promise<string> {
  await dismissNotifications(page);
  await page.locator("#red-ui-header-button-deploy").click();
  const note = page.locator(".red-ui-notification:visible").last();
  await note.waitFor({ timeout: 10000 });
  const text = (await note.innerText()).trim();
  await dismissNotifications(page);
  return text;
}

/** The status under a node (its text and the colour of its dot or ring) once the text matches `expected`. */
export async function waitForStatus(
  page: Page,
  id: string,
  expected: RegExp,
  timeoutMs = 15000,
): Promise<{ text: string; fill: string | undefined }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    // Text and colour read together: the status can change between two reads.
    const shown = await node(page, id).evaluate((g) => ({
      text: g.querySelector(".red-ui-flow-node-status-label")?.textContent ?? "",
      fill: /red-ui-flow-node-status-(?:dot|ring)-(\w+)/.exec(
        g.querySelector(".red-ui-flow-node-status")?.getAttribute("class") ?? "",
      )?.[1],
    }));
    if (expected.test(shown.text)) return shown;
    if (Date.now() > end)
      throw new Error(`status of ${id}: expected ${expected}, shown "${shown.text}" (${shown.fill ?? "no colour"})`);
    await page.waitForTimeout(150);
  }
}

/**
 * What makes the open edit form hard to read: text whose contrast with what is behind it is under 4.5:1 (WCAG AA;
 * placeholders and disabled fields excepted), and anything sticking out past the right edge of the form.
 */
export async function formProblems(page: Page): Promise<string[]> {
  return page
    .locator(".red-ui-tray")
    .last()
    .locator(".red-ui-tray-body")
    .first()
    .evaluate((body) => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const behind = (el: Element | null): number[] => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const name = (el: Element) =>
        `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.getAttribute("class") ? "." + String(el.getAttribute("class")).trim().split(/\s+/)[0] : ""}`;
      const problems: string[] = [];
      const edge = body.getBoundingClientRect().right;
      for (const el of Array.from(body.querySelectorAll("*"))) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
        const ownText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? "").trim() !== "");
        const field = el instanceof HTMLInputElement || el instanceof HTMLSelectElement;
        if ((ownText || (field && (el as HTMLInputElement).value)) && !(el as HTMLInputElement).disabled) {
          const fg = lum(rgb(getComputedStyle(el).color).slice(0, 3));
          const bg = lum(behind(el));
          const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
          if (ratio < 4.5)
            problems.push(
              `${name(el)} "${(el.textContent || (el as HTMLInputElement).value || "").trim().slice(0, 40)}": contrast ${ratio.toFixed(2)}:1`,
            );
        }
        if (box.right > edge + 1 && ownText)
          problems.push(
            `${name(el)} "${(el.textContent ?? "").trim().slice(0, 40)}": ${Math.round(box.right - edge)} px past the form's right edge`,
          );
      }
      return problems;
    });
}

/**
 * Saves a screenshot under test-results/; the ones the README shows (`readme`) are also copied to docs/images/ when
 * PVS_UPDATE_SCREENSHOTS=1, so that a deliberate run refreshes them and an ordinary one leaves the repository alone.
 */
export async function screenshot(page: Page, name: string, readme = false): Promise<string> {
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file });
  if (readme && process.env.PVS_UPDATE_SCREENSHOTS === "1") {
    fs.mkdirSync(DOC_IMAGES, { recursive: true });
    fs.copyFileSync(file, path.join(DOC_IMAGES, `${name}.png`));
  }
  return file;
}
