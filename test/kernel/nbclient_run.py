"""Executes notebooks through a real Jupyter client (nbclient + jupyter_client) on the s3lab kernel.

Usage: /usr/bin/python3 nbclient_run.py NOTEBOOK CWD OUT.json
Prints nothing on success; writes a JSON summary of every code cell's outputs (or the
CellExecutionError) for the node test to assert on. JUPYTER_PATH must reach the kernelspec.
"""
import json
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

path, cwd, out = sys.argv[1:4]
nb = nbformat.read(path, as_version=4)
client = NotebookClient(nb, kernel_name="s3lab", timeout=180, startup_timeout=60, resources={"metadata": {"path": cwd}})
summary = {"error": None}
try:
    client.execute()
except CellExecutionError as error:
    summary["error"] = str(error)
summary["kernel"] = client.kernel_name
summary["cells"] = [
    {"source": "".join(c.source), "outputs": c.get("outputs", [])}
    for c in nb.cells
    if c.cell_type == "code"
]
with open(out, "w") as f:
    json.dump(summary, f)
