/**
 * The unlock script of a locked site (customer-ai-unlock.js at the site's root, the first script of every page).
 * Until the site is unlocked on this browser, the page's content is hidden and its cells wait
 * (`globalThis.customerAiLock.ready`, which the build makes every module script await), so a locked page downloads
 * no data; in its place stands a form that asks for the passphrase. The key is derived from it (PBKDF2-SHA256, as
 * the manifest says) and checked against the manifest's encrypted check token: a wrong passphrase is refused in plain
 * words, a right one stores the key (non-extractable) in IndexedDB for this site. The service worker, which decrypts
 * the data files as the page fetches them, is registered and takes the page over; then the page opens. Later visits
 * find the stored key and open at once; a rebuild with a new salt asks again.
 */
import {
  LOCK_MANIFEST,
  LOCK_WORKER,
  deriveKey,
  fromBase64,
  opensCheck,
  type LockManifest,
} from "../loaders/contract/lock-format.js";
import { deleteStoredKey, readStoredKey, writeStoredKey } from "./lock-store.js";

const script = document.currentScript as HTMLScriptElement | null;
/** The site's root URL (this script's folder), which is also the service worker's scope. */
const root = new URL(".", script?.src ?? location.href).href;

let openPage!: () => void;
const ready = new Promise<void>((resolve) => (openPage = resolve));
(globalThis as { customerAiLock?: { ready: Promise<void> } }).customerAiLock = { ready };

const LOCKED = "customer-ai-locked";
const STYLE = `
html.${LOCKED} #observablehq-main > :not(.customer-ai-unlock), html.${LOCKED} #observablehq-toc { display: none !important; }
.customer-ai-unlock { max-width: 36rem; margin: 2rem 0; padding: 1.25rem 1.5rem; border: 1px solid var(--theme-foreground-faint, #999); border-radius: 8px; }
.customer-ai-unlock h1 { margin: 0 0 0.5rem; font-size: 1.6rem; }
.customer-ai-unlock p { margin: 0.5rem 0; }
.customer-ai-unlock label { display: block; font-weight: 600; margin-top: 1rem; }
.customer-ai-unlock-row { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 0.35rem; }
.customer-ai-unlock input { flex: 1 1 14rem; min-width: 0; font: inherit; padding: 0.4rem 0.55rem; }
.customer-ai-unlock button { font: inherit; padding: 0.4rem 1.1rem; cursor: pointer; }
.customer-ai-unlock [data-state="error"] { font-weight: 600; }
.customer-ai-lock-note { margin-top: 0.5rem; }
.customer-ai-forget { font: inherit; padding: 0.1rem 0.5rem; cursor: pointer; }
`;

document.documentElement.classList.add(LOCKED);
const style = document.createElement("style");
style.textContent = STYLE;
document.head.append(style);

/** Runs `act` once the page's markup is parsed (before its module scripts run, which wait for the unlock). */
function whenParsed(act: () => void): void {
  if (document.readyState !== "loading") return act();
  const listener = () => {
    if (document.readyState === "loading") return;
    document.removeEventListener("readystatechange", listener);
    act();
  };
  document.addEventListener("readystatechange", listener);
}

/** An element with attributes and children. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** The box that stands in for the page's content while it is locked. */
function lockBox(...children: (Node | string)[]): HTMLElement {
  document.querySelector(".customer-ai-unlock")?.remove();
  const box = el(
    "section",
    { class: "customer-ai-unlock", "data-testid": "unlock", "aria-labelledby": "customer-ai-unlock-title" },
    el("h1", { id: "customer-ai-unlock-title" }, "This site is locked"),
    ...children,
  );
  const main = document.getElementById("observablehq-main");
  if (main) main.prepend(box);
  else document.body.prepend(box);
  return box;
}

/** Shows why the site cannot be opened here. */
function showProblem(text: string): void {
  whenParsed(() => lockBox(el("p", { "data-testid": "unlock-problem", role: "alert" }, text)));
}

/** Shows the form and resolves with the key once the passphrase entered opens the site. */
function askPassphrase(manifest: LockManifest): Promise<CryptoKey> {
  return new Promise((resolve) => {
    whenParsed(() => {
      const input = el("input", {
        id: "customer-ai-passphrase",
        name: "passphrase",
        type: "password",
        autocomplete: "current-password",
        autocapitalize: "off",
        spellcheck: "false",
        required: "",
        "aria-describedby": "customer-ai-unlock-message",
        "data-testid": "unlock-passphrase",
      });
      const button = el("button", { type: "submit", "data-testid": "unlock-submit" }, "Unlock");
      const message = el("p", {
        id: "customer-ai-unlock-message",
        role: "status",
        "aria-live": "polite",
        "data-testid": "unlock-message",
      });
      const say = (text: string, state: "info" | "error" = "info") => {
        message.textContent = text;
        message.dataset["state"] = state;
      };
      const form = el(
        "form",
        { "data-testid": "unlock-form", novalidate: "" },
        el("label", { for: "customer-ai-passphrase" }, "Passphrase"),
        el("div", { class: "customer-ai-unlock-row" }, input, button),
        message,
      );
      lockBox(
        el(
          "p",
          {},
          "Its data is encrypted. Enter the passphrase you were given to open it. This browser then keeps the key (not the passphrase) for this site, so you enter it once.",
        ),
        form,
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        if (button.disabled) return;
        const passphrase = input.value;
        if (passphrase === "") {
          say("Enter the passphrase first.", "error");
          input.setAttribute("aria-invalid", "true");
          input.focus();
          return;
        }
        button.disabled = true;
        say("Checking the passphrase…");
        void (async () => {
          try {
            const key = await deriveKey(passphrase, fromBase64(manifest.kdf.salt), manifest.kdf.iterations);
            if (await opensCheck(key, manifest)) {
              input.removeAttribute("aria-invalid");
              say("Unlocked. Opening the page…");
              resolve(key);
              return;
            }
            say("Wrong passphrase: it does not open this site. Check it and try again.", "error");
            input.setAttribute("aria-invalid", "true");
            input.select();
            input.focus();
          } catch (error) {
            say(`The passphrase could not be checked: ${(error as Error).message}`, "error");
          } finally {
            button.disabled = false;
          }
        })();
      });
      input.focus();
    });
  });
}

/** The site's manifest. */
async function readManifest(): Promise<LockManifest> {
  const response = await fetch(new URL(LOCK_MANIFEST, root).href, { cache: "no-store" });
  if (!response.ok) throw new Error(`${LOCK_MANIFEST} could not be read (HTTP ${response.status})`);
  const manifest = (await response.json()) as LockManifest;
  if (manifest.format !== "customer-ai-lock" || manifest.version !== 1)
    throw new Error(`${LOCK_MANIFEST} is not a lock this page knows`);
  return manifest;
}

/** Asks the service worker to take this page over and say which site's key it holds. */
function check(worker: ServiceWorker): Promise<{ locked?: boolean; salt?: string | null; error?: string }> {
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => reject(new Error("the service worker did not answer")), 15_000);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data as { salt?: string | null; error?: string });
    };
    worker.postMessage({ type: "customer-ai-lock:check" }, [channel.port2]);
  });
}

/** Waits until the service worker controls this page and holds the key of this site. */
async function workerReady(manifest: LockManifest): Promise<void> {
  const registration = await navigator.serviceWorker.ready;
  const answer = await check(registration.active!);
  if (answer.error) throw new Error(answer.error);
  if (answer.salt !== manifest.kdf.salt) throw new Error("the service worker holds no key for this site");
  if (!navigator.serviceWorker.controller) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the service worker did not take this page over")), 15_000);
      navigator.serviceWorker.addEventListener(
        "controllerchange",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}

/** Shows the page and lets its cells run; preloads held back while locked start now. */
function unlock(): void {
  whenParsed(() => {
    const box = document.querySelector(".customer-ai-unlock");
    const hadFocus = box?.contains(document.activeElement) ?? false;
    box?.remove();
    document.documentElement.classList.remove(LOCKED);
    for (const held of document.querySelectorAll<HTMLLinkElement>('link[rel="customer-ai-preload"]')) {
      const link = held.cloneNode() as HTMLLinkElement;
      link.rel = "preload";
      held.replaceWith(link);
    }
    if (hadFocus) document.getElementById("observablehq-main")?.focus();
    forgetControl();
    openPage();
  });
}

/** A button in the footer that makes this browser forget the site's key (a shared computer), then locks the page. */
function forgetControl(): void {
  const button = el(
    "button",
    { type: "button", class: "customer-ai-forget", "data-testid": "unlock-forget" },
    "Forget the passphrase on this device",
  );
  button.addEventListener("click", () => {
    button.disabled = true;
    void (async () => {
      await deleteStoredKey(root);
      // The worker drops the key it holds in memory too.
      const worker = navigator.serviceWorker.controller;
      if (worker) await check(worker).catch(() => undefined);
      location.reload();
    })();
  });
  const note = el(
    "p",
    { class: "customer-ai-lock-note" },
    "This site's data is encrypted; this browser keeps its key. ",
    button,
  );
  (document.getElementById("observablehq-footer") ?? document.body).append(note);
}

async function start(): Promise<void> {
  if (
    !window.isSecureContext ||
    !("serviceWorker" in navigator) ||
    !globalThis.crypto?.subtle ||
    !("indexedDB" in globalThis)
  ) {
    showProblem(
      "Its data is encrypted, and a browser decrypts it only on a secure address: open the site over https:// (or on localhost), in a current browser that allows service workers.",
    );
    return;
  }
  const [manifest] = await Promise.all([
    readManifest(),
    navigator.serviceWorker.register(new URL(LOCK_WORKER, root).href, { scope: root }),
  ]);
  const stored = await readStoredKey(root).catch(() => undefined);
  const known = stored !== undefined && stored.salt === manifest.kdf.salt && (await opensCheck(stored.key, manifest));
  if (!known) {
    const key = await askPassphrase(manifest);
    await writeStoredKey(root, { salt: manifest.kdf.salt, iterations: manifest.kdf.iterations, key });
  }
  await workerReady(manifest);
  unlock();
}

start().catch((error: Error) =>
  showProblem(`The site could not start decrypting its data: ${error.message}. Reload the page to try again.`),
);
