"""A Jupyter server extension (switched on by the config file pip installs) so that a used notebook
reopens cleanly: without it, every panel of a saved notebook shows "Error displaying widget: model
not found", because the widgets lived in a kernel that is gone. On save, each widget output whose
state is not saved with the notebook is replaced by a line saying how to bring the panel back."""

from __future__ import annotations

from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
RERUN = "(Run the cells again to use this panel: Run > Run All Cells.)"


def strip_widget_outputs(model: dict[str, Any], **_kw: Any) -> None:
    """Pre-save hook: widget outputs the saved file cannot show become a plain line of text."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    state = ((nb.get("metadata") or {}).get("widgets") or {}).get(WIDGET_STATE) or {}
    saved = set((state.get("state") or {}).keys())
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data") or {}
            view = data.get(WIDGET_VIEW)
            if view is not None and view.get("model_id") not in saved:
                output["data"] = {"text/plain": RERUN}


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter's entry point: this module is the extension."""
    return [{"module": "certkit._jupyter"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Register the pre-save hook with the server's contents manager."""
    server_app.contents_manager.register_pre_save_hook(strip_widget_outputs)
