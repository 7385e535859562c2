// The page of `benchmarks/pyodide_kernels.py --chromium`: window.runBenchmark loads Pyodide and
// numpy, copies the engine and the benchmark script (served under files/) into Pyodide's file
// system, runs the script there with `argv` and returns what it printed.
window.runBenchmark = async (files, argv) => {
  const py = await cnnPyodideWasm.during(() => loadPyodide({ indexURL: "pyodide/" }));
  // --scipy: Pyodide's scipy too (its BLAS), from the same directory, as the trainer's worker.
  const packages = argv.includes("--scipy") ? ["numpy", "scipy"] : ["numpy"];
  await py.loadPackage(packages, { messageCallback: () => {} });
  for (const name of files) {
    const bytes = new Uint8Array(await (await fetch("files/" + name)).arrayBuffer());
    py.FS.mkdirTree("/bench/" + name.split("/").slice(0, -1).join("/"));
    py.FS.writeFile("/bench/" + name, bytes);
  }
  let out = "";
  py.setStdout({
    batched: (line) => {
      out += line + "\n";
    },
  });
  py.globals.set("_argv", py.toPy(argv));
  py.runPython(`
import runpy, sys
sys.argv = ["/bench/benchmarks/pyodide_kernels.py", "--native", *_argv]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
`);
  return out;
};
