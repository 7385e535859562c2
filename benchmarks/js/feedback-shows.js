// benchmarks/code_check.py: whether a code exercise's feedback (in the shadow root `root`)
// shows `text` and no longer says the code is still running or being checked.
([root, text]) => root.textContent.includes(text) && !/(Running|Checking) your/.test(root.textContent)
