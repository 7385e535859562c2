"""A Select whose options another control rebuilds (an output cell that depends on the window
size, a step list that depends on the input): Panel's Pyodide sync holds a change made in the
browser for up to 0.5 s, so a choice made just before the rebuild can arrive naming an option that
no longer exists, or arrive empty (the browser's select had no option left with that value).
Panel's own Select raises ValueError for the first (a page error) and leaves the dropdown blank
for the second; this one ignores either and shows the browser the current choice again."""

from __future__ import annotations

from typing import Any

import panel as pn


class ChangingSelect(pn.widgets.Select):
    """``pn.widgets.Select`` that ignores a choice sent from an older option list."""

    _stale_choice = False

    def _process_property_change(self, props: dict[str, Any]) -> dict[str, Any]:
        known = (*self.unicode_values, *self.labels)
        if "value" in props and known and props["value"] not in known:
            props = {key: value for key, value in props.items() if key != "value"}
            self._stale_choice = True
        return super()._process_property_change(props)

    def _process_events(self, events: dict[str, Any]) -> None:
        super()._process_events(events)
        if self._stale_choice:
            self._stale_choice = False
            self.param.trigger("value")  # the browser still shows the stale or empty choice
