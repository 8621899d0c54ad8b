/**
 * Where a browser keeps the key of a locked site once its passphrase was entered: IndexedDB of the site's origin,
 * one record per site (its root URL), the key a non-extractable CryptoKey (scripts can use it, never read it). The
 * unlock form writes it; the service worker, which the browser may stop and restart at any time, reads it.
 */

/** A site's stored key and the manifest settings it was derived with. */
export interface StoredKey {
  /** The manifest's salt (base64): a site rebuilt with another salt needs the passphrase again. */
  salt: string;
  iterations: number;
  key: CryptoKey;
}

const DATABASE = "customer-ai-lock";
const STORE = "keys";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB could not be opened"));
  });
}

async function transact<T>(mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = act(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result as T);
      transaction.onerror = () => reject(transaction.error ?? new Error("IndexedDB transaction failed"));
      transaction.onabort = () => reject(transaction.error ?? new Error("IndexedDB transaction aborted"));
    });
  } finally {
    db.close();
  }
}

/** The stored key of the site at `root` (its root URL), if any. */
export function readStoredKey(root: string): Promise<StoredKey | undefined> {
  return transact<StoredKey | undefined>("readonly", (store) => store.get(root));
}

/** Stores the key of the site at `root`, replacing any earlier one. */
export async function writeStoredKey(root: string, record: StoredKey): Promise<void> {
  await transact<IDBValidKey>("readwrite", (store) => store.put(record, root));
}

/** Forgets the key of the site at `root`. */
export async function deleteStoredKey(root: string): Promise<void> {
  await transact<undefined>("readwrite", (store) => store.delete(root));
}
