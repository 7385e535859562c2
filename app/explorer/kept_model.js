// Finds the model the trainer keeps in this browser (IndexedDB, written by
// static/trainer-worker.js) and sends its bytes, base64-encoded, to Python with
// model.send_msg({found: true, bytes}) — or {found: false}. It never creates the trainer's
// database: opening one that does not exist is aborted, so the trainer later sets it up itself.

const DB_NAME = "cnn-classroom-trainer";
const STORE = "models";
const KEY = "current";

function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

export function render({ model }) {
  const none = () => model.send_msg({ found: false });
  let request;
  try {
    request = indexedDB.open(DB_NAME);
  } catch {
    none(); // storage blocked (a private window, a sandbox)
    return document.createElement("span");
  }
  request.onupgradeneeded = () => request.transaction.abort();
  request.onerror = (event) => {
    event.preventDefault();
    none();
  };
  request.onsuccess = () => {
    const db = request.result;
    if (!db.objectStoreNames.contains(STORE)) {
      db.close();
      none();
      return;
    }
    const get = db.transaction(STORE, "readonly").objectStore(STORE).get(KEY);
    get.onsuccess = () => {
      db.close();
      const value = get.result;
      if (!value) return none();
      const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
      model.send_msg({ found: true, bytes: base64(bytes) });
    };
    get.onerror = (event) => {
      event.preventDefault();
      db.close();
      none();
    };
  };
  return document.createElement("span");
}
