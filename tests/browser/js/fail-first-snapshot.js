// Init script body (a function expression, called): the page's first attempt to take Python's
// memory snapshot fails, as it would if the lesson built into it held a JavaScript object that a
// snapshot cannot restore; later attempts go through. window.cnnSnapshotTries counts them.
() => {
  let state;
  window.cnnSnapshotTries = 0;
  Object.defineProperty(globalThis, "cnnPythonState", {
    configurable: true,
    get: () => state,
    set: (value) => {
      state = {
        ...value,
        take: (pyodide) => {
          window.cnnSnapshotTries += 1;
          if (window.cnnSnapshotTries === 1) throw new Error("fault injected: a JavaScript object");
          return value.take(pyodide);
        },
      };
    },
  });
}
