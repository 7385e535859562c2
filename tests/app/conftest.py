"""The app tests run without the distributions the page's package archive leaves out
(``sitebuild.wheels.PAGE_LEFT_OUT``): importing one fails here as it would in the browser, so a
lesson that starts to need one fails its tests instead of a student's page."""

from __future__ import annotations

import sys

from sitebuild.wheels import PAGE_LEFT_OUT

for _name in PAGE_LEFT_OUT:
    # None in sys.modules makes ``import`` raise ModuleNotFoundError.
    sys.modules[_name] = None  # type: ignore[assignment]
